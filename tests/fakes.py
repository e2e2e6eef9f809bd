"""In-memory fakes of ports that other work implements for real (the register index)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

import numpy as np
import numpy.typing as npt

from dialgate.domain.batch import NO_TIME, BatchContext, BatchVerdicts
from dialgate.domain.bulk_numbers import BulkNumbers
from dialgate.domain.decision import ReasonCode
from dialgate.domain.number_tables import JURISDICTIONS
from dialgate.domain.numbers import e164_key
from dialgate.domain.reasons import bit
from dialgate.domain.registry import NO_DATE, RegisterHits, SnapshotInfo
from dialgate.services.ports import RegisterSnapshot, RegisterStore


class InMemorySnapshot:
    def __init__(self, name: str, numbers: Iterable[str], as_of: date = date(2026, 11, 1)) -> None:
        keys = np.unique(np.array([e164_key(n) for n in numbers], dtype=np.uint64))
        self.keys = keys
        self.info = SnapshotInfo(
            name=name,
            snapshot_id=f"{name}-{as_of.isoformat()}",
            as_of=as_of,
            count=len(keys),
            imported_at=datetime(2026, 11, 1, tzinfo=UTC),
            has_listing_dates=False,
        )

    def lookup(self, keys: npt.NDArray[np.uint64]) -> RegisterHits:
        member = np.isin(keys, self.keys)
        return RegisterHits(member=member, listed_on=np.full(len(keys), NO_DATE, dtype=np.int32))

    def lookup_one(self, key: int) -> tuple[bool, int]:
        return bool(np.isin(np.uint64(key), self.keys)), NO_DATE


class InMemoryRegisterStore:
    def __init__(self, *snapshots: InMemorySnapshot) -> None:
        self.snapshots = {s.info.name: s for s in snapshots}

    def current(self, name: str) -> InMemorySnapshot | None:
        return self.snapshots.get(name)

    def names(self) -> list[str]:
        return sorted(self.snapshots)

    def invalidate(self, name: str | None = None) -> None:
        """Nothing to re-read."""


_INVALID = np.uint64(bit(ReasonCode.INVALID_NUMBER))
_UNSUPPORTED = np.uint64(bit(ReasonCode.UNSUPPORTED_DESTINATION))
_NOT_ALLOWED = np.uint64(bit(ReasonCode.DESTINATION_NOT_ALLOWED))
_LISTED = np.uint64(bit(ReasonCode.NATIONAL_REGISTRY))
_MISSING = np.uint64(bit(ReasonCode.REGISTRY_MISSING))


class RegisterOnlyDecider:
    """A BatchDecider that knows only invalid numbers, destinations and register membership: a test
    double for the CSV pipeline's unit tests, which must not depend on the rule engine or a store."""

    def __init__(self, registers: RegisterStore | None) -> None:
        self.registers = registers

    def start(self, context: BatchContext) -> RegisterOnlyRun:
        found: list[RegisterSnapshot] = []
        missing = False
        for name in context.campaign.registries:
            snapshot = self.registers.current(name) if self.registers is not None else None
            if snapshot is None:
                missing = True
            else:
                found.append(snapshot)
        allowed = [JURISDICTIONS.index(c) for c in context.campaign.countries if c in JURISDICTIONS]
        return RegisterOnlyRun(found, missing, np.array(allowed, dtype=np.uint8))


class RegisterOnlyRun:
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
