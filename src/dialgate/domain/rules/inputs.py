"""Building a Frame from what the store returns: numbers, consent events, attempts, registers.

The consent fold here is consent.fold/effective's, vectorised and for the campaign's party: per row, the
latest event (by captured_at, then seq) among those the store returns as counting at the instant (the
campaign's purpose and `all`, known by then: fact_columns.CONSENT_WHERE) that speak for the party
(_for_party). Tests hold the single check's fold and the column fold to the same answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from dialgate.domain.bulk_numbers import BulkNumbers
from dialgate.domain.distinct import distinct_codes
from dialgate.domain.number_tables import JURISDICTIONS, KINDS, ZONE_SOURCES
from dialgate.domain.numbers import NumberKind, PhoneNumber, e164_key
from dialgate.domain.rules.frame import (
    NONE,
    ONE_FALSE,
    ONE_TRUE,
    REVOKED,
    AttemptColumns,
    ConsentColumns,
    Group,
    e164_texts,
    shared,
)

Ints = npt.NDArray[np.int64]
_Columns = TypeVar("_Columns", ConsentColumns, AttemptColumns)


@dataclass(frozen=True)
class ConsentRows:
    """Consent events of the campaign's channel, for purposes {campaign purpose, all}, as columns."""

    row: npt.NDArray[np.intp]
    captured: Ints  # microseconds: events of one second keep their order (ConsentColumns has seconds)
    seq: Ints
    status: npt.NDArray[np.int8]
    basis: npt.NDArray[np.int8]
    party: npt.NDArray[np.int8]
    registry: npt.NDArray[np.bool_]
    expires: Ints  # NEVER when none
    evidence: npt.NDArray[np.bool_]

    @staticmethod
    def empty() -> ConsentRows:
        i8, i64 = np.zeros(0, np.int8), np.zeros(0, np.int64)
        return ConsentRows(
            np.zeros(0, np.intp), i64, i64, i8, i8, i8, np.zeros(0, bool), i64, np.zeros(0, bool)
        )


def _latest(
    rows: ConsentRows, sel: npt.NDArray[np.intp]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Among the events `sel`, the latest of each row that has one (by captured, then seq; on a full tie
    the later event): (rows, events)."""
    r = rows.row[sel]
    if r.size < 2 or bool((r[1:] > r[:-1]).all()):  # one event per row, the common case: each is the latest
        return r, sel
    order = sel[np.lexsort((rows.seq[sel], rows.captured[sel], r))]
    r = rows.row[order]
    last = np.ones(order.size, dtype=bool)
    last[:-1] = r[1:] != r[:-1]
    return r[last], order[last]


def _read_only(cols: _Columns) -> _Columns:
    for name in cols.__dataclass_fields__:
        shared(getattr(cols, name))
    return cols


_NO_CONSENT_ONE = _read_only(ConsentColumns.empty(1))  # shared by single checks of numbers without consent


def consent_columns(n: int, rows: ConsentRows, party: int) -> ConsentColumns:
    """The governing consent of each row for a campaign calling `party` (see _for_party)."""
    if rows.row.size == 0:
        return _NO_CONSENT_ONE if n == 1 else ConsentColumns.empty(n)
    if n == 1:
        return _one_number(rows, party)
    rows = _for_party(rows, party)
    cols = ConsentColumns.empty(n)
    r, g = _latest(rows, np.arange(rows.row.size))
    cols.status[r] = rows.status[g]
    cols.basis[r] = rows.basis[g]
    cols.party[r] = rows.party[g]
    cols.captured[r] = rows.captured[g] // 1_000_000
    cols.expires[r] = rows.expires[g]
    cols.evidence[r] = rows.evidence[g]
    cols.from_registry[r] = rows.registry[g]
    r, g = _latest(rows, np.flatnonzero(rows.registry & (rows.party == party)))  # the party's own record
    cols.registry_status[r] = rows.status[g]
    cols.registry_party[r] = rows.party[g]
    # the party's own revocation after that record supersedes it (the brand owes İYS the refusal): a
    # grant İYS held before it no longer vouches for a later consent taken outside İYS. The other party's
    # does not: İYS keeps the records apart
    rr, rg = _latest(rows, np.flatnonzero((rows.status == REVOKED) & (rows.party == party)))
    if rr.size and r.size:
        last_captured = np.full(n, -1, dtype=np.int64)
        last_seq = np.full(n, -1, dtype=np.int64)
        last_captured[rr], last_seq[rr] = rows.captured[rg], rows.seq[rg]
        later = (last_captured[r] > rows.captured[g]) | (
            (last_captured[r] == rows.captured[g]) & (last_seq[r] > rows.seq[g])
        )
        cols.registry_status[r[later]] = REVOKED
    return cols


def _for_party(rows: ConsentRows, party: int) -> ConsentRows:
    """The events that speak for a campaign calling `party`: that party's own, and the other party's
    latest where it is a revocation. A grant counts for the party it was given as (İYS keeps an
    individual's and a trader's records apart); a revocation stops every campaign until a later grant,
    by the party that revoked or by the party called. The register's record (İYS) read alongside is the
    party's own."""
    own = rows.party == party
    if own.all():
        return rows
    _, g = _latest(rows, np.flatnonzero(~own))
    keep = np.sort(np.concatenate([np.flatnonzero(own), g[rows.status[g] == REVOKED]]))
    return ConsentRows(*(getattr(rows, f)[keep] for f in rows.__dataclass_fields__))


def _one_number(rows: ConsentRows, party: int) -> ConsentColumns:
    return one_consent(
        list(zip(rows.captured.tolist(), rows.seq.tolist(), rows.status.tolist(), rows.basis.tolist(),
                 rows.party.tolist(), rows.registry.tolist(), rows.expires.tolist(), rows.evidence.tolist(),
                 strict=True)),
        party,
    )  # fmt: skip


# One consent event of one number as a Python row, in fact_columns.CONSENT order.
ConsentEvent = Sequence[int]  # captured (µs), seq, status, basis, party, registry, expires, evidence


def _order(events: Sequence[ConsentEvent], i: int) -> tuple[int, int, int]:
    """By capture, then sequence; on a full tie the later event, as the stable sort of _latest gives."""
    return events[i][0], events[i][1], i


def one_consent(events: Sequence[ConsentEvent], party: int) -> ConsentColumns:
    """consent_columns of one number from its events as Python rows (the single check's read): the same
    fold in plain Python, since numpy's per-call cost on a handful of events is more than the work."""
    if not events:
        return _NO_CONSENT_ONE
    others = [i for i, e in enumerate(events) if e[4] != party]
    if others:  # as _for_party: the other party's latest only, and only a revocation
        last = max(others, key=lambda i: _order(events, i))
        events = [e for i, e in enumerate(events) if e[4] == party or (i == last and e[2] == REVOKED)]
        if not events:
            return _NO_CONSENT_ONE
    gov = events[max(range(len(events)), key=lambda i: _order(events, i))]
    regs = [i for i, e in enumerate(events) if e[5] and e[4] == party]  # the party's own register record
    reg = events[max(regs, key=lambda i: _order(events, i))] if regs else None
    reg_status = reg[2] if reg else NONE
    if reg is not None and any(
        e[2] == REVOKED and e[4] == party and (e[0], e[1]) > (reg[0], reg[1]) for e in events
    ):
        reg_status = REVOKED  # superseded by a later revocation, as consent_columns says
    small = np.array([gov[2], gov[3], gov[4], reg_status, reg[4] if reg else NONE], np.int8)
    wide = np.array([gov[0] // 1_000_000, gov[6]], np.int64)
    flags = np.array([gov[7], gov[5]], bool)
    # one-element views of three arrays: the frame's columns are never written
    return ConsentColumns(small[0:1], small[1:2], small[2:3], wide[0:1], wide[1:2], flags[0:1], flags[1:2],
                          small[3:4], small[4:5])  # fmt: skip


@dataclass(frozen=True)
class AttemptRows:
    row: npt.NDArray[np.intp]
    at: Ints
    same_campaign: npt.NDArray[np.bool_]
    same_purpose: npt.NDArray[np.bool_]
    refused: npt.NDArray[np.bool_]

    @staticmethod
    def empty() -> AttemptRows:
        b = np.zeros(0, bool)
        return AttemptRows(np.zeros(0, np.intp), np.zeros(0, np.int64), b, b, b)


def attempt_columns(n: int, rows: AttemptRows, last_use: Ints | None = None) -> AttemptColumns:
    if rows.row.size == 0:
        return AttemptColumns.empty(n, last_use)
    order = np.lexsort((rows.at, rows.row))
    counts = np.bincount(rows.row, minlength=n) if rows.row.size else np.zeros(n, np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    if last_use is None:
        last_use = np.zeros(n, dtype=np.int64)
        np.maximum.at(last_use, rows.row, rows.at)
    return AttemptColumns(
        offsets,
        rows.at[order],
        rows.same_campaign[order],
        rows.same_purpose[order],
        rows.refused[order],
        last_use,
    )


# One attempt of one number in the look-back window: at (epoch seconds), same campaign, same purpose, refused.
AttemptFact = tuple[int, bool, bool, bool]
_NO_ATTEMPTS = _read_only(AttemptColumns.empty(1))  # a number never called: the common case, shared


def one_attempts(tried: Sequence[AttemptFact], last_use: int) -> AttemptColumns:
    """attempt_columns of one number from its attempts as Python rows (the single check's read)."""
    last = _NO_ATTEMPTS.last_use if last_use == 0 else np.array([last_use], np.int64)
    if not tried:
        return _NO_ATTEMPTS if last_use == 0 else replace(_NO_ATTEMPTS, last_use=last)
    at, campaign, purpose, refused = zip(
        *sorted(tried, key=lambda t: t[0]), strict=True
    )  # stable, as lexsort
    return AttemptColumns(np.array([0, len(at)], np.int64), np.array(at, np.int64), np.array(campaign, bool),
                          np.array(purpose, bool), np.array(refused, bool), last)  # fmt: skip


OneFacts = tuple[ConsentColumns, bool, AttemptColumns]  # a number's consent, listed or not, its attempts


@dataclass  # not frozen: see domain/rules/frame.py's docstring
class NumberColumns:
    e164: npt.NDArray[np.object_] | None  # E.164 text, the raw input where invalid; None: not built (scrub)
    key: npt.NDArray[np.uint64]  # numbers.e164_key per row, 0 where invalid
    valid: npt.NDArray[np.bool_]
    mobile: npt.NDArray[np.bool_]
    group: npt.NDArray[np.int32]
    groups: list[Group]


INVALID_GROUP = Group(region="", jurisdiction="", zones=(), zone_source="", subdivision=None)


def number_columns(parsed: Sequence[PhoneNumber | None], raw: Sequence[str]) -> NumberColumns:
    """Numbers parsed one by one (the single check, small batches); bulk paths build NumberColumns directly."""
    if len(parsed) == 1:
        return _one_number_columns(parsed[0], raw[0])
    index: dict[tuple[object, ...], int] = {}
    groups = [INVALID_GROUP]
    n = len(parsed)
    group = np.zeros(n, dtype=np.int32)
    valid = np.zeros(n, dtype=bool)
    mobile = np.zeros(n, dtype=bool)
    e164 = np.empty(n, dtype=object)
    keys = np.zeros(n, dtype=np.uint64)
    for i, number in enumerate(parsed):
        if number is None:
            e164[i] = raw[i]
            continue
        key = (number.region, number.jurisdiction, number.zones, number.zone_source, number.subdivision)
        g = index.get(key)
        if g is None:
            g = index[key] = len(groups)
            groups.append(
                Group(
                    number.region,
                    number.jurisdiction,
                    number.zones,
                    str(number.zone_source),
                    number.subdivision,
                )
            )
        group[i] = g
        valid[i] = True
        mobile[i] = number.kind in _MOBILE
        e164[i] = number.e164
        keys[i] = e164_key(number.e164)
    return NumberColumns(e164, keys, valid, mobile, group, groups)


_MOBILE = frozenset({NumberKind.MOBILE, NumberKind.FIXED_OR_MOBILE})


_GROUP_OF_INVALID, _GROUP_OF_VALID = shared(np.zeros(1, np.int32)), shared(np.ones(1, np.int32))
_NO_KEY = shared(np.zeros(1, np.uint64))


def _one_number_columns(number: PhoneNumber | None, raw: str) -> NumberColumns:
    """number_columns of a single check's number: the columns that say the same for every number shared."""
    text = np.empty(1, dtype=object)
    if number is None:
        text[0] = raw
        return NumberColumns(text, _NO_KEY, ONE_FALSE, ONE_FALSE, _GROUP_OF_INVALID, [INVALID_GROUP])
    text[0] = number.e164
    group = Group(
        number.region, number.jurisdiction, number.zones, str(number.zone_source), number.subdivision
    )
    return NumberColumns(text, np.array([e164_key(number.e164)], np.uint64), ONE_TRUE,
                         ONE_TRUE if number.kind in _MOBILE else ONE_FALSE, _GROUP_OF_VALID, [INVALID_GROUP, group])  # fmt: skip


def number_columns_from_bulk(bulk: BulkNumbers, *, texts: bool = True) -> NumberColumns:
    """Bulk-parsed numbers as frame columns: rows that ring in the same place share a group. Without
    `texts` the E.164 strings are not built (a scrub writes its own column from the keys; a string per
    row was a fifth of its deciding time)."""
    n = len(bulk)
    valid = bulk.valid
    groups = [INVALID_GROUP]
    group = np.zeros(n, dtype=np.int32)
    rows = np.flatnonzero(valid)
    if rows.size:
        present, rank = distinct_codes(bulk.place[rows], len(bulk.places))
        group[rows] = rank.astype(np.int32) + 1
        for p in present.tolist():
            region, zones, sub, jur, source = bulk.places[p]
            groups.append(Group(bulk.regions[region], JURISDICTIONS[jur], bulk.zone_sets[zones],
                                str(ZONE_SOURCES[source]), bulk.subdivisions[sub] or None))  # fmt: skip
    mobile_kind = np.array([k in _MOBILE for k in KINDS], dtype=bool)
    mobile = valid & mobile_kind[bulk.kind]
    e164 = e164_texts(bulk.key, valid) if texts else None
    return NumberColumns(e164, bulk.key, valid, mobile, group, groups)


@dataclass(frozen=True)
class KeyedConsents:
    """ConsentRows whose `row` field holds nothing yet: keys say which number each event belongs to."""

    keys: npt.NDArray[np.uint64]  # sorted
    rows: ConsentRows


# Per row of a batch: its consent events, whether it is on the do-not-call list, its attempts in the
# window, its last attempt ever (epoch seconds, 0 if none).
RowFacts = tuple[ConsentRows, npt.NDArray[np.bool_], AttemptRows, Ints]


@dataclass(frozen=True)
class BrandFacts:
    """A brand's consents (those that count for the campaign at the instant), do-not-call list and recent
    attempts, keyed by E.164 number and sorted: read once for a whole scrub, joined to each chunk in numpy."""

    consents: KeyedConsents
    dnc: npt.NDArray[np.uint64]  # sorted
    attempt_keys: npt.NDArray[np.uint64]  # sorted
    attempts: AttemptRows
    last_use_keys: npt.NDArray[np.uint64]  # sorted, unique
    last_use: Ints

    def for_rows(self, keys: npt.NDArray[np.uint64], valid: npt.NDArray[np.bool_]) -> RowFacts:
        """The facts of each row (row i is keys[i]; invalid rows get none)."""
        probe = np.where(valid, keys, np.uint64(0))
        c_rows, c_idx = ranges(self.consents.keys, probe)
        c = self.consents.rows
        consents = ConsentRows(c_rows, c.captured[c_idx], c.seq[c_idx], c.status[c_idx], c.basis[c_idx],
                               c.party[c_idx], c.registry[c_idx], c.expires[c_idx], c.evidence[c_idx])  # fmt: skip
        a_rows, a_idx = ranges(self.attempt_keys, probe)
        a = self.attempts
        attempts = AttemptRows(
            a_rows, a.at[a_idx], a.same_campaign[a_idx], a.same_purpose[a_idx], a.refused[a_idx]
        )
        dnc = _members(self.dnc, probe) & valid
        last = np.zeros(keys.size, dtype=np.int64)
        if self.last_use_keys.size:
            pos = np.minimum(np.searchsorted(self.last_use_keys, probe), self.last_use_keys.size - 1)
            hit = (self.last_use_keys[pos] == probe) & valid
            last[hit] = self.last_use[pos[hit]]
        return consents, dnc, attempts, last


def _members(sorted_keys: npt.NDArray[np.uint64], probe: npt.NDArray[np.uint64]) -> npt.NDArray[np.bool_]:
    if sorted_keys.size == 0:
        return np.zeros(probe.size, dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_keys, probe), sorted_keys.size - 1)
    return np.asarray(sorted_keys[pos] == probe)


def ranges(
    sorted_keys: npt.NDArray[np.uint64], probe: npt.NDArray[np.uint64]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """For every probe, the positions of its equal keys: (owning probe row, position) pairs."""
    if sorted_keys.size == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    lo = np.searchsorted(sorted_keys, probe, side="left")
    counts = np.searchsorted(sorted_keys, probe, side="right") - lo
    if probe.size and counts.max() <= 1:  # at most one key each, the common case: half the numpy calls
        rows = np.flatnonzero(counts)
        return rows, lo[rows]
    total = int(counts.sum())
    rows = np.repeat(np.arange(probe.size), counts)
    idx = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(lo, counts)
    return rows.astype(np.intp), idx.astype(np.intp)
