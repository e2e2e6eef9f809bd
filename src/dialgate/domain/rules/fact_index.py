"""A brand's consents, do-not-call changes and attempts held in memory, keyed by number.

The store keeps it current (adapters/db/fact_cache.py): what it holds is what the store had when it last
looked, and the store looks before every read. Rows are kept whole, with the campaign, channel and
purpose as codes, so one index serves every campaign of the brand; a read picks the campaign's rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from dialgate.domain.campaign import Campaign
from dialgate.domain.rules.frame import PARTY_CODES
from dialgate.domain.rules.inputs import (
    AttemptRows,
    ConsentRows,
    OneFacts,
    RowFacts,
    one_attempts,
    one_consent,
    ranges,
)

Keys = npt.NDArray[np.uint64]
Table = npt.NDArray[np.int64]  # one row per fact, one int64 column per field

# The columns of each table (the store fills them in this order).
# known_us: from when the event counts (microseconds): the earlier of its capture and its recording, a
# revocation's recording counted the grace early (see adapters/db/fact_columns.CONSENT_WHERE)
CONSENT_FIELDS = ("captured", "seq", "status", "basis", "party", "registry", "expires", "evidence", "known_us",
                  "channel", "purpose")  # fmt: skip
DNC_FIELDS = ("seq", "listed")  # seq: 0 for the list as first read, then the change feed's sequence
ATTEMPT_FIELDS = ("at_us", "refused", "campaign", "purpose")  # at in microseconds: windows compare exactly
_C = {name: i for i, name in enumerate(CONSENT_FIELDS)}
_A = {name: i for i, name in enumerate(ATTEMPT_FIELDS)}
_US = 1_000_000
_MERGE_FROM = 4096  # rows waiting in the newer run before it is merged, at least


@dataclass(frozen=True)
class Run:
    keys: Keys  # sorted; rows of equal keys stay in the order they arrived
    table: Table

    @staticmethod
    def of(keys: Keys, table: Table) -> Run:
        order = np.argsort(keys, kind="stable")
        return Run(keys[order], table[order])


@dataclass(frozen=True)
class Keyed:
    """Rows keyed by number as at most two sorted runs: the bulk, and what arrived since they were last
    merged. A few new rows cost a sort of the newer run, not of the brand."""

    runs: tuple[Run, ...]
    width: int

    @staticmethod
    def empty(width: int) -> Keyed:
        return Keyed((), width)

    @property
    def size(self) -> int:
        return sum(r.keys.size for r in self.runs)

    def added(self, keys: Keys, table: Table) -> Keyed:
        if keys.size == 0:
            return self
        if not self.runs:
            return Keyed((Run.of(keys, table),), self.width)
        bulk, *newer = self.runs
        if newer:  # merged with the rows that arrived before them, in arrival order
            keys = np.concatenate([newer[0].keys, keys])
            table = np.concatenate([newer[0].table, table])
        if keys.size < max(_MERGE_FROM, bulk.keys.size // 16):
            return Keyed((bulk, Run.of(keys, table)), self.width)
        merged = Run.of(np.concatenate([bulk.keys, keys]), np.concatenate([bulk.table, table]))
        return Keyed((merged,), self.width)

    def matches(self, probe: Keys) -> tuple[npt.NDArray[np.intp], Table]:
        """Every row whose key is a probe's: (the probe's position, the row), older runs first."""
        found = [ranges(r.keys, probe) for r in self.runs]
        if not found:
            return np.zeros(0, np.intp), np.zeros((0, self.width), np.int64)
        if len(found) == 1:
            return found[0][0], self.runs[0].table[found[0][1]]
        rows = np.concatenate([f[0] for f in found])
        table = np.concatenate([r.table[f[1]] for r, f in zip(self.runs, found, strict=True)])
        return rows, table

    def rows_of(self, key: np.uint64) -> list[list[int]]:
        """Every row of one key, older runs first, as Python lists (a single check reads a handful)."""
        out: list[list[int]] = []
        for run in self.runs:
            lo = int(run.keys.searchsorted(key, "left"))
            hi = int(run.keys.searchsorted(key, "right"))
            if hi > lo:
                out.extend(run.table[lo:hi].tolist())
        return out


class Codes:
    """Small integer codes for the texts kept as columns (channels, purposes, campaign ids)."""

    def __init__(self) -> None:
        self._codes: dict[str, int] = {}
        self.view = MappingProxyType(self._codes)

    def encode(self, texts: Iterable[str]) -> npt.NDArray[np.int64]:
        codes = self._codes
        return np.array([codes.setdefault(t, len(codes)) for t in texts], dtype=np.int64)

    def of(self, text: str) -> int:
        """-1 for a text never seen: it matches no row."""
        return self._codes.get(text, -1)


@dataclass(frozen=True)
class BrandIndex:
    consents: Keyed
    dnc: Keyed
    attempts: Keyed
    codes: Codes

    @staticmethod
    def empty() -> BrandIndex:
        return BrandIndex(
            Keyed.empty(len(CONSENT_FIELDS)), Keyed.empty(len(DNC_FIELDS)), Keyed.empty(len(ATTEMPT_FIELDS)),
            Codes(),
        )  # fmt: skip

    @property
    def size(self) -> int:
        return self.consents.size + self.dnc.size + self.attempts.size

    def for_rows(
        self,
        keys: Keys,
        valid: npt.NDArray[np.bool_],
        channel: str,
        campaign: Campaign,
        since_us: int,
        until_us: int,
    ) -> RowFacts:
        """As BrandFacts.for_rows: the consent events that count at `until` (known by then, the campaign's
        channel and purpose, either party: the frame folds them for its party), on the do-not-call list,
        attempts in [since, until] and the last attempt up to `until` (epoch seconds, 0 if none)."""
        probe = np.where(valid, keys, np.uint64(0))  # no fact has key 0
        n = keys.size
        code = self.codes.of
        rows, t = self.consents.matches(probe)
        purposes = t[:, _C["purpose"]]  # two comparisons: np.isin sorts, and cost more than the read
        keep = (
            (t[:, _C["channel"]] == code(channel))
            & ((purposes == code(campaign.purpose)) | (purposes == code("all")))
            & (t[:, _C["known_us"]] <= until_us)
        )
        rows, t = rows[keep], t[keep]
        consents = ConsentRows(
            rows, t[:, 0], t[:, 1], t[:, 2].astype(np.int8), t[:, 3].astype(np.int8), t[:, 4].astype(np.int8),
            t[:, 5].astype(bool), t[:, 6], t[:, 7].astype(bool),
        )  # fmt: skip
        rows, t = self.attempts.matches(probe)
        cam, pur = code(campaign.id), code(campaign.purpose)
        at_us = t[:, _A["at_us"]]
        at = at_us // _US  # whole seconds, floored like int(datetime.timestamp())
        last = np.zeros(n, dtype=np.int64)
        up_to = at_us <= until_us
        if rows.size:  # ufunc.at costs microseconds even when empty
            np.maximum.at(last, rows[up_to], at[up_to])
        win = up_to & (at_us >= since_us)
        t = t[win]
        attempts = AttemptRows(
            rows[win], at[win], t[:, _A["campaign"]] == cam, t[:, _A["purpose"]] == pur,
            t[:, _A["refused"]].astype(bool),
        )  # fmt: skip
        return consents, self._listed(probe) & valid, attempts, last

    def for_one(self, key: int, channel: str, campaign: Campaign, since_us: int, until_us: int) -> OneFacts:
        """for_rows of one valid number, folded as the frame needs it, in plain Python over its few rows:
        numpy's per-call cost on one-element arrays was most of a single check's read (test_fact_index
        holds the two together)."""
        probe, code = np.uint64(key), self.codes.of
        ch, purposes, party = (
            code(channel),
            (code(campaign.purpose), code("all")),
            PARTY_CODES[campaign.party],
        )
        c = _C
        consents = [
            r[:8]
            for r in self.consents.rows_of(probe)
            if r[c["channel"]] == ch and r[c["purpose"]] in purposes and r[c["known_us"]] <= until_us
        ]
        # the latest change says; on equal seq the later arrival (max keeps the first of equals it meets)
        changes = self.dnc.rows_of(probe)
        listed = bool(max(reversed(changes), key=lambda r: r[0])[1]) if changes else False
        a = _A
        tried = [r for r in self.attempts.rows_of(probe) if r[a["at_us"]] <= until_us]
        last = max([0, *(r[a["at_us"]] // _US for r in tried)])  # as for_rows: 0 when none
        cam, pur = code(campaign.id), code(campaign.purpose)
        kept = [
            (r[a["at_us"]] // _US, r[a["campaign"]] == cam, r[a["purpose"]] == pur, bool(r[a["refused"]]))
            for r in tried
            if r[a["at_us"]] >= since_us
        ]
        return one_consent(consents, party), listed, one_attempts(kept, last)

    def _listed(self, probe: Keys) -> npt.NDArray[np.bool_]:
        """On the list: the latest change of each number says so."""
        rows, t = self.dnc.matches(probe)
        out = np.zeros(probe.size, dtype=bool)
        if rows.size:
            order = np.lexsort((t[:, 0], rows))
            last = np.ones(order.size, dtype=bool)
            last[:-1] = rows[order][1:] != rows[order][:-1]
            out[rows[order[last]]] = t[order[last], 1].astype(bool)
        return out
