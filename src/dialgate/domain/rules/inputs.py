"""Building a Frame from what the store returns: numbers, consent events, attempts, registers.

The consent fold here is the vectorised twin of consent.fold/effective: per row, the latest event (by
captured_at, then seq) among the campaign's purpose and `all`. A test holds the two to the same answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from dialgate.domain.numbers import NumberKind, PhoneNumber
from dialgate.domain.rules.frame import AttemptColumns, ConsentColumns, Group

Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ConsentRows:
    """Consent events of the campaign's channel, for purposes {campaign purpose, all}, as columns."""

    row: npt.NDArray[np.intp]
    captured: Ints
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


def _latest(rows: ConsentRows, keep: npt.NDArray[np.bool_], n: int) -> npt.NDArray[np.intp]:
    """Per row, the index of its latest kept event (by captured, then seq), or -1."""
    out = np.full(n, -1, dtype=np.intp)
    sel = np.flatnonzero(keep)
    if sel.size == 0:
        return out
    order = sel[np.lexsort((rows.seq[sel], rows.captured[sel], rows.row[sel]))]
    last = np.ones(order.size, dtype=bool)
    last[:-1] = rows.row[order][1:] != rows.row[order][:-1]
    out[rows.row[order[last]]] = order[last]
    return out


def consent_columns(n: int, rows: ConsentRows) -> ConsentColumns:
    cols = ConsentColumns.empty(n)
    if rows.row.size == 0:
        return cols
    gov = _latest(rows, np.ones(rows.row.size, dtype=bool), n)
    has = gov >= 0
    g = gov[has]
    cols.status[has] = rows.status[g]
    cols.basis[has] = rows.basis[g]
    cols.party[has] = rows.party[g]
    cols.captured[has] = rows.captured[g]
    cols.expires[has] = rows.expires[g]
    cols.evidence[has] = rows.evidence[g]
    cols.from_registry[has] = rows.registry[g]
    reg = _latest(rows, rows.registry, n)
    has_reg = reg >= 0
    cols.registry_status[has_reg] = rows.status[reg[has_reg]]
    cols.registry_party[has_reg] = rows.party[reg[has_reg]]
    return cols


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
        return (
            AttemptColumns.empty(n)
            if last_use is None
            else replace(AttemptColumns.empty(n), last_use=last_use)
        )
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


@dataclass(frozen=True)
class NumberColumns:
    e164: npt.NDArray[np.object_]
    valid: npt.NDArray[np.bool_]
    mobile: npt.NDArray[np.bool_]
    group: npt.NDArray[np.int32]
    groups: list[Group]


INVALID_GROUP = Group(region="", jurisdiction="", zones=(), zone_source="", subdivision=None)


def number_columns(parsed: Sequence[PhoneNumber | None], raw: Sequence[str]) -> NumberColumns:
    """Numbers parsed one by one (the single check, small batches); bulk paths build NumberColumns directly."""
    index: dict[tuple[object, ...], int] = {}
    groups = [INVALID_GROUP]
    n = len(parsed)
    group = np.zeros(n, dtype=np.int32)
    valid = np.zeros(n, dtype=bool)
    mobile = np.zeros(n, dtype=bool)
    e164 = np.empty(n, dtype=object)
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
    return NumberColumns(e164, valid, mobile, group, groups)


_MOBILE = frozenset({NumberKind.MOBILE, NumberKind.FIXED_OR_MOBILE})
