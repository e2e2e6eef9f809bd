"""Decisions as JSON bytes. A batch shares most of its text between rows (same reasons, same zone), so
it is assembled from per-(group, reason set) fragments instead of one dict per decision, and joined in
one pass (tests/integration/test_batch_answer.py holds it to the per-row assembly, byte for byte)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import orjson

from dialgate.domain.calendar import NO_TIME
from dialgate.domain.rules.frame import Group
from dialgate.domain.timeutil import zone_info
from dialgate.services.check import ROW_SUFFIX, Checked

_SUFFIXES = [s.encode() for s in ROW_SUFFIX]


def decision_json(checked: Checked, row: int = 0) -> bytes:
    ev = checked.evaluation
    return orjson.dumps(ev.decision(row, checked.check_ids[row], checked.evaluated_at).to_dict())


def decisions_json(checked: Checked) -> bytes:
    if checked.evaluation.frame.n == 0:
        return b'{"decisions":[]}'
    return b'{"decisions":[' + b"".join(_pieces(checked)) + b"]}"


def answers_json(checked: Checked) -> list[bytes]:
    """Each row's decision on its own, as decision_json gives it (single checks decided together),
    cut from the batch's pieces: the encoding is shared instead of repeated row by row."""
    pieces = _pieces(checked)
    rows = [b"".join(pieces[i : i + _PER_ROW]) for i in range(0, len(pieces), _PER_ROW)]
    return [rows[0], *(row[1:] for row in rows[1:])]  # after the first, a row begins with the list's comma


_PER_ROW = 7


def _pieces(checked: Checked) -> list[bytes]:
    """The answer's rows as seven pieces each: what the batch answer joins, between its brackets."""
    ev = checked.evaluation
    f = ev.frame
    n = f.n
    set_of_row, sets = ev.reason_sets()
    evaluated = orjson.dumps(checked.evaluated_at.isoformat().replace("+00:00", "Z"))
    key = f.group.astype(np.int64) * len(sets) + set_of_row
    combos, which = np.unique(key, return_inverse=True)
    reasons = [orjson.dumps([ev.reasons[d].to_dict() for d in s]) for s in sets]
    tails: dict[int, bytes] = {}  # per group: after next_allowed_at, to the decision's end
    middles = np.empty(combos.size, dtype=object)  # from the number's closing quote to next_allowed_at
    ends = np.empty(combos.size, dtype=object)
    for c, combo in enumerate(combos.tolist()):
        g, s = divmod(combo, len(sets))
        verdict = b"BLOCK" if sets[s] else b"ALLOW"
        middles[c] = b'","verdict":"' + verdict + b'","reasons":' + reasons[s] + b',"next_allowed_at":'
        if g not in tails:
            tails[g] = _tail(f.groups[g], f.at, evaluated)
        ends[c] = tails[g]
    # Every row's pieces side by side in one list, joined once: the per-row work is done by list and
    # array operations in C, not by a formatting call per row.
    # a batch row's id is the batch's (plain ASCII, written with the constant piece) and a suffix
    head = b'{"check_id":"' + (checked.ids[0].encode() if checked.batch else b"")
    pieces = [b"," + head, b"", b'","number":"', b"", b"", b"", b""] * n
    pieces[0] = head
    pieces[1::7] = _SUFFIXES[:n] if checked.batch else _contents(checked.check_ids)
    pieces[3::7] = _contents(f.e164.tolist())
    pieces[4::7] = middles[which].tolist()
    pieces[5::7] = _next_texts(checked)
    pieces[6::7] = ends[which].tolist()
    return pieces


def _tail(group: Group, at: datetime, evaluated: bytes) -> bytes:
    zone = zone_info(group.zones[0]) if group.zones else None
    tail = {
        "jurisdiction": group.jurisdiction or None,
        "local_time": at.astimezone(zone).isoformat() if zone else None,
        "timezone": {"zones": list(group.zones), "source": group.zone_source} if group.zones else None,
    }
    return b"," + orjson.dumps(tail)[1:-1] + b',"evaluated_at":' + evaluated + b"}"


def _contents(texts: list[str]) -> list[bytes]:
    """Each text as the inside of a JSON string, escaped. Encoded as one array and cut at '","': inside
    an encoded string a quote is always escaped, so that sequence only ever separates two elements."""
    return orjson.dumps(texts)[2:-2].split(b'","')


_SHIFT = 40


def _next_texts(checked: Checked) -> list[bytes]:
    """next_allowed_at per row, formatted in the row's first zone; each distinct (zone, instant) once."""
    ev = checked.evaluation
    f = ev.frame
    out = np.full(f.n, b"null", dtype=object)
    rows = np.flatnonzero(ev.next_allowed != NO_TIME)
    if rows.size:
        # (group, instant) as one integer: epoch seconds fit in 40 bits
        pairs = f.group[rows].astype(np.int64) << _SHIFT | ev.next_allowed[rows].astype(np.int64)
        distinct, inverse = np.unique(pairs, return_inverse=True)
        texts = np.empty(distinct.size, dtype=object)
        for i, pair in enumerate(distinct.tolist()):
            zone = zone_info(f.groups[pair >> _SHIFT].zones[0])
            moment = datetime.fromtimestamp(pair & (1 << _SHIFT) - 1, zone)
            texts[i] = b'"' + moment.isoformat().encode() + b'"'
        out[rows] = texts[inverse.ravel()]
    return list(out.tolist())
