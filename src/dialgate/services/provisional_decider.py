"""PROVISIONAL batch decider, standing in for the rule engine's vectorised evaluation (issue 3).

It knows only what scrub needs to be built, tested and measured end to end: invalid numbers,
destinations no pack covers, destinations outside the campaign's countries, and membership of the
registers the campaign names. It knows no law: no consent, hours, holidays, caps or caller-ID rules.
The engine replaces it by implementing ports.BatchDecider and being wired in bootstrap.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dialgate.domain.batch import NO_TIME, BatchContext, BatchVerdicts
from dialgate.domain.bulk_numbers import BulkNumbers
from dialgate.domain.number_tables import JURISDICTIONS
from dialgate.domain.reasons import ReasonCode, bit
from dialgate.domain.registry import SnapshotInfo
from dialgate.services.ports import RegisterSnapshot, RegisterStore

_INVALID = np.uint64(bit(ReasonCode.INVALID_NUMBER))
_UNSUPPORTED = np.uint64(bit(ReasonCode.UNSUPPORTED_DESTINATION))
_NOT_ALLOWED = np.uint64(bit(ReasonCode.DESTINATION_NOT_ALLOWED))
_LISTED = np.uint64(bit(ReasonCode.NATIONAL_REGISTRY))
_MISSING = np.uint64(bit(ReasonCode.REGISTRY_MISSING))


class ProvisionalDecider:
    """PROVISIONAL: see the module docstring. Replace with the engine's BatchDecider."""

    def __init__(self, registers: RegisterStore | None) -> None:
        self.registers = registers

    def start(self, context: BatchContext) -> ProvisionalRun:
        found: list[RegisterSnapshot] = []
        missing = False
        for name in context.campaign.registries:
            snapshot = self.registers.current(name) if self.registers is not None else None
            if snapshot is None:
                missing = True
            else:
                found.append(snapshot)
        allowed = [JURISDICTIONS.index(c) for c in context.campaign.countries if c in JURISDICTIONS]
        return ProvisionalRun(found, missing, np.array(allowed, dtype=np.uint8))


class ProvisionalRun:
    def __init__(self, snapshots: list[RegisterSnapshot], missing: bool, allowed: np.ndarray) -> None:
        self._snapshots, self._missing, self._allowed = snapshots, missing, allowed

    @property
    def snapshots(self) -> Sequence[SnapshotInfo]:
        return [s.info for s in self._snapshots]

    def decide(self, numbers: BulkNumbers) -> BatchVerdicts:
        rows = len(numbers)
        reasons = np.zeros(rows, dtype=np.uint64)
        valid = numbers.valid
        reasons[~valid] = _INVALID
        covered = numbers.jurisdiction != 0
        reasons[valid & ~covered] |= _UNSUPPORTED
        reasons[valid & covered & ~np.isin(numbers.jurisdiction, self._allowed)] |= _NOT_ALLOWED
        if self._missing:
            reasons[valid] |= _MISSING
        rows_valid = np.flatnonzero(valid)
        for snapshot in self._snapshots:
            hits = snapshot.lookup(numbers.key[rows_valid])
            reasons[rows_valid[hits.member]] |= _LISTED
        return BatchVerdicts(
            blocked=reasons != 0,
            reasons=reasons,
            next_allowed_at=np.full(rows, NO_TIME, dtype=np.int64),
        )
