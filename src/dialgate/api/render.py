"""Decisions as JSON bytes. A batch shares most of its text between rows (same reasons, same zone), so
it is assembled from per-(group, reason set) fragments instead of one dict per decision."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import orjson

from dialgate.domain.calendar import NO_TIME
from dialgate.services.check import Checked


def decision_json(checked: Checked, row: int = 0) -> bytes:
    ev = checked.evaluation
    return orjson.dumps(ev.decision(row, checked.check_ids[row], checked.evaluated_at).to_dict())


def decisions_json(checked: Checked) -> bytes:
    ev = checked.evaluation
    f = ev.frame
    n = f.n
    if n == 0:
        return b'{"decisions":[]}'
    set_of_row, sets = ev.reason_sets()
    evaluated = orjson.dumps(checked.evaluated_at.isoformat().replace("+00:00", "Z"))
    key = f.group.astype(np.int64) * len(sets) + set_of_row
    combos, which = np.unique(key, return_inverse=True)
    middles: list[bytes] = []
    tails: list[bytes] = []
    for combo in combos:
        g, s = divmod(int(combo), len(sets))
        group = f.groups[g]
        verdict = b"BLOCK" if sets[s] else b"ALLOW"
        reasons = orjson.dumps([ev.reasons[d].to_dict() for d in sets[s]])
        middles.append(b',"verdict":"' + verdict + b'","reasons":' + reasons + b',"next_allowed_at":')
        zone = ZoneInfo(group.zones[0]) if group.zones else None
        tail = {
            "jurisdiction": group.jurisdiction or None,
            "local_time": f.at.astimezone(zone).isoformat() if zone else None,
            "timezone": {"zones": list(group.zones), "source": group.zone_source} if group.zones else None,
        }
        tails.append(b"," + orjson.dumps(tail)[1:-1] + b',"evaluated_at":' + evaluated + b"}")
    nexts = _next_texts(checked, which, combos, len(sets))
    numbers = f.e164
    valid = f.valid
    ids = checked.check_ids
    parts = [
        b'{"check_id":"%s","number":%s%s%s%s'
        % (
            ids[i].encode(),
            (b'"' + numbers[i].encode() + b'"') if valid[i] else orjson.dumps(str(numbers[i])),
            middles[w],
            nexts[i],
            tails[w],
        )
        for i, w in enumerate(which.tolist())
    ]
    return b'{"decisions":[' + b",".join(parts) + b"]}"


def _next_texts(checked: Checked, which: np.ndarray, combos: np.ndarray, nsets: int) -> list[bytes]:
    """next_allowed_at per row, formatted in the row's first zone; each distinct (zone, instant) once."""
    ev = checked.evaluation
    f = ev.frame
    out = [b"null"] * f.n
    rows = np.flatnonzero(ev.next_allowed != NO_TIME)
    cache: dict[tuple[int, int], bytes] = {}
    for i in rows.tolist():
        g = int(combos[which[i]]) // nsets
        t = int(ev.next_allowed[i])
        text = cache.get((g, t))
        if text is None:
            zone = ZoneInfo(f.groups[g].zones[0])
            text = cache[(g, t)] = b'"' + datetime.fromtimestamp(t, zone).isoformat().encode() + b'"'
        out[i] = text
    return out
