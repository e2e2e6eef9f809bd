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

from dialgate.adapters.db.types import raw_instant
from dialgate.domain.rules.frame import NEVER
from dialgate.domain.rules.inputs import AttemptRows, BrandFacts, ConsentRows, KeyedConsents

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


# One round trip for the single check: consents, the do-not-call entry, recent attempts and the last use.
_ONE = (
    "SELECT 'c', captured_at, seq, status, basis, party, source, expires_at, "
    "evidence_sha256 IS NOT NULL OR evidence_uri IS NOT NULL "
    "FROM consent_events WHERE brand_id = {p} AND number = {p} AND channel = {p} AND purpose IN ({p}, 'all') "
    "UNION ALL SELECT 'd', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL "
    "FROM dnc_numbers WHERE brand_id = {p} AND number = {p} "
    "UNION ALL SELECT 'a', at, NULL, campaign_id, purpose, outcome, NULL, NULL, NULL "
    "FROM call_attempts WHERE brand_id = {p} AND number = {p} AND at >= {p} AND at <= {p} "
    "UNION ALL SELECT 'l', MAX(at), NULL, NULL, NULL, NULL, NULL, NULL, NULL "
    "FROM call_attempts WHERE brand_id = {p} AND number = {p} AND at <= {p}"
)


_COUNT = "SELECT (SELECT COUNT(*) FROM consent_events WHERE brand_id = {p}) + (SELECT COUNT(*) FROM call_attempts WHERE brand_id = {p} AND at >= {p})"
_ALL_CONSENTS = (
    "SELECT number, captured_at, seq, status, basis, party, source, expires_at, "
    "evidence_sha256 IS NOT NULL OR evidence_uri IS NOT NULL "
    "FROM consent_events WHERE brand_id = {p} AND channel = {p} AND purpose IN ({p}, 'all')"
)
_ALL_DNC = "SELECT number FROM dnc_numbers WHERE brand_id = {p}"
_ALL_ATTEMPTS = "SELECT number, at, campaign_id, purpose, outcome FROM call_attempts WHERE brand_id = {p} AND at >= {p} AND at <= {p}"
_ALL_LAST_USE = "SELECT number, MAX(at) FROM call_attempts WHERE brand_id = {p} AND at <= {p} GROUP BY number"


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
        return raw_instant(moment, self._sqlite)

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

    def one(
        self,
        brand: str,
        channel: str,
        purpose: str,
        campaign: str,
        number: str,
        since: datetime,
        until: datetime,
    ) -> tuple[ConsentRows, bool, AttemptRows, int]:
        """Everything about one number in one statement (the single check's read)."""
        lo, hi = self._param(since), self._param(until)
        params = [brand, number, channel, purpose, brand, number, brand, number, lo, hi, brand, number, hi]
        cur = self._cursor()
        try:
            cur.execute(self._render(_ONE, 0), params)
            found: list[tuple[Any, ...]] = cur.fetchall()
        finally:
            cur.close()
        consents = [r for r in found if r[0] == "c"]
        attempts = [r for r in found if r[0] == "a"]
        last = next((r[1] for r in found if r[0] == "l" and r[1] is not None), None)
        consent_rows = ConsentRows.empty() if not consents else ConsentRows(
            np.zeros(len(consents), dtype=np.intp),
            np.array([self._instant(r[1]) for r in consents], dtype=np.int64),
            np.array([r[2] for r in consents], dtype=np.int64),
            np.array([_STATUS[r[3]] for r in consents], dtype=np.int8),
            np.array([_BASIS[r[4]] for r in consents], dtype=np.int8),
            np.array([_PARTY[r[5]] for r in consents], dtype=np.int8),
            np.array([r[6] == "registry" for r in consents], dtype=bool),
            np.array([NEVER if r[7] is None else self._instant(r[7]) for r in consents], dtype=np.int64),
            np.array([bool(r[8]) for r in consents], dtype=bool),
        )  # fmt: skip
        attempt_rows = AttemptRows.empty() if not attempts else AttemptRows(
            np.zeros(len(attempts), dtype=np.intp),
            np.array([self._instant(r[1]) for r in attempts], dtype=np.int64),
            np.array([r[3] == campaign for r in attempts], dtype=bool),
            np.array([r[4] == purpose for r in attempts], dtype=bool),
            np.array([r[5] == "refused" for r in attempts], dtype=bool),
        )  # fmt: skip
        return (
            consent_rows,
            any(r[0] == "d" for r in found),
            attempt_rows,
            0 if last is None else self._instant(last),
        )

    def brand_facts(
        self,
        brand: str,
        channel: str,
        purpose: str,
        campaign: str,
        since: datetime,
        until: datetime,
        *,
        limit: int,
    ) -> BrandFacts | None:
        """All of a brand's facts keyed by number, or None when there are more than `limit` rows (then the
        caller reads per chunk instead, so memory stays bounded)."""
        lo, hi = self._param(since), self._param(until)
        cur = self._cursor()
        try:
            cur.execute(self._render(_COUNT, 0), [brand, brand, lo])
            (count,) = cur.fetchone()
            if count > limit:
                return None
            cur.execute(self._render(_ALL_CONSENTS, 0), [brand, channel, purpose])
            consents = cur.fetchall()
            cur.execute(self._render(_ALL_DNC, 0), [brand])
            dnc = cur.fetchall()
            cur.execute(self._render(_ALL_ATTEMPTS, 0), [brand, lo, hi])
            attempts = cur.fetchall()
            cur.execute(self._render(_ALL_LAST_USE, 0), [brand, hi])
            last = cur.fetchall()
        finally:
            cur.close()
        c_keys = np.array([int(r[0][1:]) for r in consents], dtype=np.uint64)
        c_order = np.argsort(c_keys, kind="stable")
        consent_rows = ConsentRows(
            np.zeros(len(consents), dtype=np.intp),
            np.array([self._instant(r[1]) for r in consents], dtype=np.int64)[c_order],
            np.array([r[2] for r in consents], dtype=np.int64)[c_order],
            np.array([_STATUS[r[3]] for r in consents], dtype=np.int8)[c_order],
            np.array([_BASIS[r[4]] for r in consents], dtype=np.int8)[c_order],
            np.array([_PARTY[r[5]] for r in consents], dtype=np.int8)[c_order],
            np.array([r[6] == "registry" for r in consents], dtype=bool)[c_order],
            np.array([NEVER if r[7] is None else self._instant(r[7]) for r in consents], dtype=np.int64)[c_order],
            np.array([bool(r[8]) for r in consents], dtype=bool)[c_order],
        )  # fmt: skip
        a_keys = np.array([int(r[0][1:]) for r in attempts], dtype=np.uint64)
        a_order = np.argsort(a_keys, kind="stable")
        attempt_rows = AttemptRows(
            np.zeros(len(attempts), dtype=np.intp),
            np.array([self._instant(r[1]) for r in attempts], dtype=np.int64)[a_order],
            np.array([r[2] == campaign for r in attempts], dtype=bool)[a_order],
            np.array([r[3] == purpose for r in attempts], dtype=bool)[a_order],
            np.array([r[4] == "refused" for r in attempts], dtype=bool)[a_order],
        )  # fmt: skip
        l_keys = np.array([int(r[0][1:]) for r in last], dtype=np.uint64)
        l_order = np.argsort(l_keys)
        return BrandFacts(
            KeyedConsents(c_keys[c_order], consent_rows),
            np.sort(np.array([int(r[0][1:]) for r in dnc], dtype=np.uint64)),
            a_keys[a_order],
            attempt_rows,
            l_keys[l_order],
            np.array([self._instant(r[1]) for r in last], dtype=np.int64)[l_order],
        )

    def consent_rows(self, brand: str, channel: str, purpose: str, numbers: Sequence[str]) -> ConsentRows:
        where = _positions(numbers)
        found: list[tuple[Any, ...]] = []
        for part in _chunks(list(where)):
            found.extend(self._query(_CONSENTS, [brand, channel, purpose], part))
        if not found:
            return ConsentRows.empty()
        owners, rows = _expand([r[0] for r in found], where)
        expires = [NEVER if r[7] is None else self._instant(r[7]) for r in found]
        return ConsentRows(
            rows,
            np.array([self._instant(r[1]) for r in found], dtype=np.int64)[owners],
            np.array([r[2] for r in found], dtype=np.int64)[owners],
            np.array([_STATUS[r[3]] for r in found], dtype=np.int8)[owners],
            np.array([_BASIS[r[4]] for r in found], dtype=np.int8)[owners],
            np.array([_PARTY[r[5]] for r in found], dtype=np.int8)[owners],
            np.array([r[6] == "registry" for r in found], dtype=bool)[owners],
            np.array(expires, dtype=np.int64)[owners],
            np.array([bool(r[8]) for r in found], dtype=bool)[owners],
        )

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
        found: list[tuple[Any, ...]] = []
        last_use = np.zeros(len(numbers), dtype=np.int64)
        lo, hi = self._param(since), self._param(until)
        for part in _chunks(list(where)):
            found.extend(self._query(_ATTEMPTS, [brand], part, [lo, hi]))
            for number, last in self._query(_LAST_USE, [brand], part, [hi]):
                last_use[where[number]] = self._instant(last)
        if not found:
            return AttemptRows.empty(), last_use
        owners, rows = _expand([r[0] for r in found], where)
        attempts = AttemptRows(
            rows,
            np.array([self._instant(r[1]) for r in found], dtype=np.int64)[owners],
            np.array([r[2] == campaign for r in found], dtype=bool)[owners],
            np.array([r[3] == purpose for r in found], dtype=bool)[owners],
            np.array([r[4] == "refused" for r in found], dtype=bool)[owners],
        )
        return attempts, last_use


def _expand(
    keys: list[str], where: dict[str, list[int]]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Store rows belong to numbers; a number may stand at several input rows. Returns, per output entry,
    the store row it copies and the input row it belongs to."""
    positions = [where[k] for k in keys]
    counts = np.fromiter((len(p) for p in positions), dtype=np.intp, count=len(positions))
    owners = np.repeat(np.arange(len(keys)), counts)
    rows = np.fromiter((r for p in positions for r in p), dtype=np.intp, count=int(counts.sum()))
    return owners, rows
