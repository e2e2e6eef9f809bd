"""The store side of a decision: consents, do-not-call entries and attempts for many numbers at once.

This is the hot path of every check, so it bypasses SQLAlchemy's statement building: fixed SQL on one
DBAPI connection per thread (reads in autocommit, so each statement sees every commit before it).
Nothing is cached: a revocation committed a moment ago blocks the very next check, in any process.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine

from dialgate.domain.rules.frame import NEVER
from dialgate.domain.rules.inputs import AttemptRows, ConsentRows

_CHUNK = 4000  # numbers per statement: stays under SQLite's bound-variable limit
_STATUS = {"granted": 1, "revoked": 2}
_BASIS = {"consent": 0, "contract": 1, "inquiry": 2}
_PARTY = {"consumer": 0, "business": 1}

_CONSENTS = (
    "SELECT number, captured_at, seq, status, basis, party, source, expires_at, "
    "evidence_sha256 IS NOT NULL OR evidence_uri IS NOT NULL "
    "FROM consent_events WHERE brand_id = {p} AND channel = {p} AND purpose IN ({p}, 'all') AND number IN ({many})"
)
_DNC = "SELECT number FROM dnc_numbers WHERE brand_id = {p} AND number IN ({many})"
_ATTEMPTS = (
    "SELECT number, at, campaign_id, purpose, outcome FROM call_attempts "
    "WHERE brand_id = {p} AND number IN ({many}) AND at >= {p} AND at <= {p}"
)
_LAST_USE = "SELECT number, MAX(at) FROM call_attempts WHERE brand_id = {p} AND number IN ({many}) AND at <= {p} GROUP BY number"


def _positions(numbers: Sequence[str]) -> dict[str, list[int]]:
    where: dict[str, list[int]] = defaultdict(list)
    for i, n in enumerate(numbers):
        where[n].append(i)
    return where


def _chunks(keys: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(keys), _CHUNK):
        yield keys[i : i + _CHUNK]


class SqlDecisionStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self._local = threading.local()
        self._sql: dict[tuple[str, int], str] = {}

    def _cursor(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            fairy = self._engine.raw_connection()
            driver = fairy.driver_connection
            fairy.detach()  # this thread keeps it for life, outside the pool: other work never waits for it
            assert driver is not None, "a pooled connection always has a driver connection"
            if not self._sqlite:
                driver.autocommit = True
            self._local.fairy, self._local.conn = fairy, driver
            conn = driver
        return conn.cursor()

    def _render(self, template: str, many: int) -> str:
        key = (template, many)
        sql = self._sql.get(key)
        if sql is None:
            p = "?" if self._sqlite else "%s"
            sql = self._sql[key] = template.format(p=p, many=", ".join([p] * many))
        return sql

    def _instant(self, value: Any) -> int:
        if isinstance(value, str):  # SQLite keeps UTC as text
            return int(datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp())
        return int(value.timestamp())

    def _param(self, moment: datetime) -> Any:
        utc = moment.astimezone(UTC)
        # SQLite compares the stored text: match SQLAlchemy's storage format to the microsecond
        return utc.strftime("%Y-%m-%d %H:%M:%S.%f") if self._sqlite else utc

    def _query(
        self, template: str, head: list[Any], part: list[str], tail: Sequence[Any] = ()
    ) -> list[tuple[Any, ...]]:
        cur = self._cursor()
        try:
            cur.execute(self._render(template, len(part)), [*head, *part, *tail])
            rows: list[tuple[Any, ...]] = cur.fetchall()
        finally:
            cur.close()
        return rows

    def consent_rows(self, brand: str, channel: str, purpose: str, numbers: Sequence[str]) -> ConsentRows:
        where = _positions(numbers)
        cols: list[list[Any]] = [[] for _ in range(9)]
        for part in _chunks(list(where)):
            for number, captured, seq, status, basis, party, source, expires, evidence in self._query(
                _CONSENTS, [brand, channel, purpose], part
            ):
                values = (self._instant(captured), seq, _STATUS[status], _BASIS[basis], _PARTY[party],
                          source == "registry", NEVER if expires is None else self._instant(expires), bool(evidence))  # fmt: skip
                for row in where[number]:
                    cols[0].append(row)
                    for col, value in zip(cols[1:], values, strict=True):
                        col.append(value)
        return ConsentRows(
            np.array(cols[0], dtype=np.intp), np.array(cols[1], dtype=np.int64), np.array(cols[2], dtype=np.int64),
            np.array(cols[3], dtype=np.int8), np.array(cols[4], dtype=np.int8), np.array(cols[5], dtype=np.int8),
            np.array(cols[6], dtype=bool), np.array(cols[7], dtype=np.int64), np.array(cols[8], dtype=bool),
        )  # fmt: skip

    def dnc_members(self, brand: str, numbers: Sequence[str]) -> npt.NDArray[np.bool_]:
        where = _positions(numbers)
        out = np.zeros(len(numbers), dtype=bool)
        for part in _chunks(list(where)):
            for (number,) in self._query(_DNC, [brand], part):
                out[where[number]] = True
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
        lo, hi = self._param(since), self._param(until)
        for part in _chunks(list(where)):
            for number, when, campaign_id, attempt_purpose, outcome in self._query(
                _ATTEMPTS, [brand], part, [lo, hi]
            ):
                t = self._instant(when)
                for row in where[number]:
                    rows.append(row)
                    at.append(t)
                    same_campaign.append(campaign_id == campaign)
                    same_purpose.append(attempt_purpose == purpose)
                    refused.append(outcome == "refused")
            for number, last in self._query(_LAST_USE, [brand], part, [hi]):
                last_use[where[number]] = self._instant(last)
        attempts = AttemptRows(
            np.array(rows, dtype=np.intp), np.array(at, dtype=np.int64), np.array(same_campaign, dtype=bool),
            np.array(same_purpose, dtype=bool), np.array(refused, dtype=bool),
        )  # fmt: skip
        return attempts, last_use
