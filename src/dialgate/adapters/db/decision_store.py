"""The store side of a decision: consents, do-not-call entries and attempts for many numbers at once.

Nothing here is cached: a revocation committed a moment ago must block the very next check, in any
process (the opt-out guarantee).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine, func, select

from dialgate.adapters.db.tables import CallAttemptRow, ConsentEventRow, DncNumberRow, table
from dialgate.domain.rules.frame import NEVER
from dialgate.domain.rules.inputs import AttemptRows, ConsentRows
from dialgate.domain.vocabulary import ALL_PURPOSES

_events, _dnc, _attempts = table(ConsentEventRow), table(DncNumberRow), table(CallAttemptRow)
_CHUNK = 5000  # stays under SQLite's bound-variable limit
_STATUS = {"granted": 1, "revoked": 2}
_BASIS = {"consent": 0, "contract": 1, "inquiry": 2}
_PARTY = {"consumer": 0, "business": 1}


def _positions(numbers: Sequence[str]) -> dict[str, list[int]]:
    where: dict[str, list[int]] = defaultdict(list)
    for i, n in enumerate(numbers):
        where[n].append(i)
    return where


def _chunks(keys: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(keys), _CHUNK):
        yield keys[i : i + _CHUNK]


def _ts(moment: datetime | None) -> int:
    return NEVER if moment is None else int(moment.timestamp())


class SqlDecisionStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def consent_rows(self, brand: str, channel: str, purpose: str, numbers: Sequence[str]) -> ConsentRows:
        where = _positions(numbers)
        cols: list[list[object]] = [[] for _ in range(9)]
        q = select(
            _events.c.number, _events.c.captured_at, _events.c.seq, _events.c.status, _events.c.basis,
            _events.c.party, _events.c.source, _events.c.expires_at,
            (_events.c.evidence_sha256.is_not(None) | _events.c.evidence_uri.is_not(None)).label("evidence"),
        ).where(
            (_events.c.brand_id == brand) & (_events.c.channel == channel)
            & _events.c.purpose.in_([purpose, ALL_PURPOSES])
        )  # fmt: skip
        with self._engine.connect() as conn:
            for part in _chunks(list(where)):
                for r in conn.execute(q.where(_events.c.number.in_(part))):
                    for row in where[r.number]:
                        values = (row, int(r.captured_at.timestamp()), r.seq, _STATUS[r.status], _BASIS[r.basis],
                                  _PARTY[r.party], r.source == "registry", _ts(r.expires_at), bool(r.evidence))  # fmt: skip
                        for col, value in zip(cols, values, strict=True):
                            col.append(value)
        return ConsentRows(
            np.array(cols[0], dtype=np.intp), np.array(cols[1], dtype=np.int64), np.array(cols[2], dtype=np.int64),
            np.array(cols[3], dtype=np.int8), np.array(cols[4], dtype=np.int8), np.array(cols[5], dtype=np.int8),
            np.array(cols[6], dtype=bool), np.array(cols[7], dtype=np.int64), np.array(cols[8], dtype=bool),
        )  # fmt: skip

    def dnc_members(self, brand: str, numbers: Sequence[str]) -> npt.NDArray[np.bool_]:
        where = _positions(numbers)
        out = np.zeros(len(numbers), dtype=bool)
        with self._engine.connect() as conn:
            for part in _chunks(list(where)):
                q = select(_dnc.c.number).where((_dnc.c.brand_id == brand) & _dnc.c.number.in_(part))
                for r in conn.execute(q):
                    out[where[r.number]] = True
        return out

    def attempt_rows(
        self,
        brand: str,
        campaign: str,
        purpose: str,
        numbers: Sequence[str],
        since: datetime,
        until: datetime,
    ) -> tuple[AttemptRows, npt.NDArray[np.int64]]:
        where = _positions(numbers)
        rows: list[int] = []
        at: list[int] = []
        same_campaign: list[bool] = []
        same_purpose: list[bool] = []
        refused: list[bool] = []
        last_use = np.zeros(len(numbers), dtype=np.int64)
        a = _attempts.c
        with self._engine.connect() as conn:
            for part in _chunks(list(where)):
                recent = select(a.number, a.at, a.campaign_id, a.purpose, a.outcome).where(
                    (a.brand_id == brand) & a.number.in_(part) & (a.at >= since) & (a.at <= until)
                )
                for r in conn.execute(recent):
                    for row in where[r.number]:
                        rows.append(row)
                        at.append(int(r.at.timestamp()))
                        same_campaign.append(r.campaign_id == campaign)
                        same_purpose.append(r.purpose == purpose)
                        refused.append(r.outcome == "refused")
                latest = (
                    select(a.number, func.max(a.at).label("last"))
                    .where((a.brand_id == brand) & a.number.in_(part) & (a.at <= until))
                    .group_by(a.number)
                )
                for number, last in conn.execute(latest):
                    last_use[where[number]] = int(last.timestamp())
        attempts = AttemptRows(
            np.array(rows, dtype=np.intp), np.array(at, dtype=np.int64), np.array(same_campaign, dtype=bool),
            np.array(same_purpose, dtype=bool), np.array(refused, dtype=bool),
        )  # fmt: skip
        return attempts, last_use
