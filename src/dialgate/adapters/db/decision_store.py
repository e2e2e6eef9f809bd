"""The store side of a decision: consents, do-not-call entries and attempts for many numbers at once.

This is the hot path of every check, so it bypasses SQLAlchemy's statement building: fixed SQL on one
DBAPI connection per thread (reads in autocommit, so each statement sees every commit before it).
A batch reads the brand's facts from a FactCache that brings itself up to date before every read
(fact_cache.py): a revocation committed a moment ago blocks the very next check, in any process.
Every column comes back as an integer (number keys, epoch seconds or, for ordering consent events,
microseconds, codes) so that a whole result turns
into one numpy table in a single call instead of a Python conversion per value.
"""

# The statements below are assembled from this module's constants only; every value is a bound parameter.
# ruff: noqa: S608
from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine

from dialgate.adapters.db.fact_cache import FactCache
from dialgate.adapters.db.fact_columns import CONSENT as _CONSENT
from dialgate.adapters.db.fact_columns import CONSENT_WHERE as _CONSENT_WHERE
from dialgate.adapters.db.fact_columns import KEY as _KEY
from dialgate.adapters.db.fact_columns import dialect_sql as _dialect_sql
from dialgate.adapters.db.fact_columns import int_table as _table
from dialgate.adapters.db.types import raw_instant
from dialgate.domain.campaign import Campaign
from dialgate.domain.rules.frame import PARTY_CODES
from dialgate.domain.rules.inputs import (
    AttemptRows,
    BrandFacts,
    ConsentRows,
    KeyedConsents,
    OneFacts,
    RowFacts,
    one_attempts,
    one_consent,
)

_CHUNK = 4000  # numbers per statement: stays under SQLite's bound-variable limit

# An attempt as integers: key, at, same campaign, same purpose, refused.
_ATTEMPT = (
    "EPOCH(at), CAST(campaign_id = {p} AS INTEGER), CAST(purpose = {p} AS INTEGER), "
    "CAST(outcome = 'refused' AS INTEGER)"
)

_CONSENTS = f"SELECT {_KEY}, {_CONSENT} FROM consent_events WHERE {_CONSENT_WHERE} AND number {{among}}"
_DNC = f"SELECT {_KEY} FROM dnc_numbers WHERE brand_id = {{p}} AND number {{among}}"
_ATTEMPTS = (
    f"SELECT {_KEY}, {_ATTEMPT} FROM call_attempts "
    "WHERE brand_id = {p} AND number {among} AND at >= {p} AND at <= {p}"
)
_LAST_USE = (
    f"SELECT {_KEY}, EPOCH(MAX(at)) FROM call_attempts "
    "WHERE brand_id = {p} AND number {among} AND at <= {p} GROUP BY number"
)

_COUNT = "SELECT (SELECT COUNT(*) FROM consent_events WHERE brand_id = {p}) + (SELECT COUNT(*) FROM call_attempts WHERE brand_id = {p} AND at >= {p})"
_ALL_CONSENTS = f"SELECT {_KEY}, {_CONSENT} FROM consent_events WHERE {_CONSENT_WHERE}"
_ALL_DNC = f"SELECT {_KEY} FROM dnc_numbers WHERE brand_id = {{p}}"
_ALL_ATTEMPTS = (
    f"SELECT {_KEY}, {_ATTEMPT} FROM call_attempts WHERE brand_id = {{p}} AND at >= {{p}} AND at <= {{p}}"
)
_ALL_LAST_USE = (
    f"SELECT {_KEY}, EPOCH(MAX(at)) FROM call_attempts WHERE brand_id = {{p}} AND at <= {{p}} GROUP BY number"
)

# One round trip for the single check, tagged 1 consent, 2 do-not-call, 3 attempt, 4 last use; every
# row as wide as a consent row (zeros where a part has nothing to say).
_ONE = (
    f"SELECT 1, {_CONSENT} FROM consent_events WHERE {_CONSENT_WHERE} AND number = {{p}} "
    "UNION ALL SELECT 2, 0, 0, 0, 0, 0, 0, 0, 0 FROM dnc_numbers WHERE brand_id = {p} AND number = {p} "
    f"UNION ALL SELECT 3, {_ATTEMPT}, 0, 0, 0, 0 FROM call_attempts "
    "WHERE brand_id = {p} AND number = {p} AND at >= {p} AND at <= {p} "
    "UNION ALL SELECT 4, COALESCE(EPOCH(MAX(at)), 0), 0, 0, 0, 0, 0, 0, 0 "
    "FROM call_attempts WHERE brand_id = {p} AND number = {p} AND at <= {p}"
)
_CONSENT_WIDTH, _ATTEMPT_WIDTH = 9, 5  # with the key or tag in front


def _consents(t: npt.NDArray[np.int64]) -> ConsentRows:
    """Consent columns from a table whose first column is a key or a tag (not kept)."""
    return ConsentRows(
        np.zeros(len(t), dtype=np.intp),
        t[:, 1],
        t[:, 2],
        t[:, 3].astype(np.int8),
        t[:, 4].astype(np.int8),
        t[:, 5].astype(np.int8),
        t[:, 6].astype(bool),
        t[:, 7],
        t[:, 8].astype(bool),
    )


def _attempts(t: npt.NDArray[np.int64]) -> AttemptRows:
    return AttemptRows(
        np.zeros(len(t), dtype=np.intp),
        t[:, 1],
        t[:, 2].astype(bool),
        t[:, 3].astype(bool),
        t[:, 4].astype(bool),
    )


def _by_key(t: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    t = t[np.argsort(t[:, 0], kind="stable")]
    return t[:, 0].astype(np.uint64), t


def _facts(
    consents: list[tuple[Any, ...]],
    dnc: list[tuple[Any, ...]],
    attempts: list[tuple[Any, ...]],
    last: list[tuple[Any, ...]],
) -> BrandFacts:
    c_keys, c = _by_key(_table(consents, _CONSENT_WIDTH))
    a_keys, a = _by_key(_table(attempts, _ATTEMPT_WIDTH))
    l_keys, lu = _by_key(_table(last, 2))
    return BrandFacts(
        KeyedConsents(c_keys, _consents(c)),
        np.sort(_table(dnc, 1)[:, 0].astype(np.uint64)),
        a_keys,
        _attempts(a),
        l_keys,
        lu[:, 1],
    )


def _chunks(keys: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(keys), _CHUNK):
        yield keys[i : i + _CHUNK]


class SqlDecisionStore:
    def __init__(
        self,
        engine: Engine,
        *,
        cache_limit: int = 1_000_000,
        revocation_grace: timedelta = timedelta(minutes=5),
    ) -> None:
        """`revocation_grace`: how long before its recording a revocation already counts (the clock skew
        allowed; see fact_columns.CONSENT_WHERE)."""
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self._grace = revocation_grace
        # a brand with more consents and attempts than this is read per batch (memory stays bounded)
        self._cache = FactCache(
            self._cursor, self._sqlite, limit=cache_limit, revocation_grace=revocation_grace
        )
        self._local = threading.local()
        self._sql: dict[tuple[str, int], str] = {}
        self._opened: list[Any] = []  # every thread's connection, for close()
        self._lock = threading.Lock()

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
            with self._lock:
                self._opened.append(driver)
            conn = driver
        return conn.cursor()

    def close(self) -> None:
        """Close every thread's connection (they live outside the engine's pool, so dispose() misses them)."""
        with self._lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            with contextlib.suppress(Exception):  # already broken or closed: nothing left to release
                conn.close()

    def _render(self, template: str, many: int) -> str:
        key = (template, many)
        sql = self._sql.get(key)
        if sql is None:
            p = "?" if self._sqlite else "%s"
            # {among}: membership in the chunk; PostgreSQL takes it as one array (planning thousands of
            # parameters costs more than the lookups), SQLite as a list of parameters
            among = f"IN ({', '.join(['?'] * many)})" if self._sqlite else "= ANY(%s)"
            sql = self._sql[key] = _dialect_sql(template.format(p=p, among=among), self._sqlite)
        return sql

    def _param(self, moment: datetime) -> Any:
        return raw_instant(moment, self._sqlite)

    def _query(
        self, template: str, head: Sequence[Any], part: list[str], tail: Sequence[Any] = ()
    ) -> list[tuple[Any, ...]]:
        cur = self._cursor()
        try:
            members = part if self._sqlite else [part]
            cur.execute(self._render(template, len(part) if self._sqlite else 0), [*head, *members, *tail])
            rows: list[tuple[Any, ...]] = cur.fetchall()
        finally:
            cur.close()
        return rows

    def one(
        self, campaign: Campaign, channel: str, number: str, since: datetime, until: datetime
    ) -> OneFacts:
        """Everything about one number (the single check's read). On SQLite, from the brand's facts held in
        the process, brought up to date only when another connection has committed since this thread last
        looked (fact_cache.py); elsewhere, or above the cache's limit, in one statement."""
        brand = campaign.brand
        if self._sqlite:
            index = self._cache.current(brand, token=self._data_version)
            if index is not None:
                return index.for_one(int(number[1:]), channel, campaign, _micros(since), _micros(until))
        lo, hi = self._param(since), self._param(until)
        params = [*self._consent_params(campaign, channel, until), number, brand, number, campaign.id,
                  campaign.purpose, brand, number, lo, hi, brand, number, hi]  # fmt: skip
        cur = self._cursor()
        try:
            cur.execute(self._render(_ONE, 0), params)
            found: list[tuple[Any, ...]] = cur.fetchall()
        finally:
            cur.close()
        # a handful of rows: split them in Python, where numpy's per-call cost would dominate; int() on
        # every value, so that an unknown code (NULL) fails loudly as the column read's conversion does
        consents = [tuple(map(int, r[1:])) for r in found if r[0] == 1]
        attempts = [(int(r[1]), bool(r[2]), bool(r[3]), bool(r[4])) for r in found if r[0] == 3]
        last = max((int(r[1]) for r in found if r[0] == 4), default=0)
        party = PARTY_CODES[campaign.party]
        return one_consent(consents, party), any(r[0] == 2 for r in found), one_attempts(attempts, last)

    def _consent_params(self, campaign: Campaign, channel: str, until: datetime) -> list[Any]:
        """fact_columns.CONSENT_WHERE's parameters."""
        at = self._param(until)
        grace = self._param(until + self._grace)
        return [campaign.brand, channel, campaign.purpose.value, at, at, grace]

    def _data_version(self) -> int:
        """SQLite's count of commits by other connections, as this thread's connection sees it. The
        thread keeps one cursor for it: asked before every single check, a new cursor each time showed."""
        cur = getattr(self._local, "pragma", None)
        if cur is None:
            cur = self._local.pragma = self._cursor()
        cur.execute("PRAGMA data_version")
        return int(cur.fetchone()[0])

    def brand_facts(
        self, campaign: Campaign, channel: str, since: datetime, until: datetime, *, limit: int
    ) -> BrandFacts | None:
        """All of a brand's facts keyed by number, or None when there are more than `limit` rows (then the
        caller reads per chunk instead, so memory stays bounded)."""
        brand = campaign.brand
        lo, hi = self._param(since), self._param(until)
        cur = self._cursor()
        try:
            cur.execute(self._render(_COUNT, 0), [brand, brand, lo])
            (count,) = cur.fetchone()
            if count > limit:
                return None
            cur.execute(self._render(_ALL_CONSENTS, 0), self._consent_params(campaign, channel, until))
            consents = cur.fetchall()
            cur.execute(self._render(_ALL_DNC, 0), [brand])
            dnc = cur.fetchall()
            cur.execute(self._render(_ALL_ATTEMPTS, 0), [campaign.id, campaign.purpose, brand, lo, hi])
            attempts = cur.fetchall()
            cur.execute(self._render(_ALL_LAST_USE, 0), [brand, hi])
            last = cur.fetchall()
        finally:
            cur.close()
        return _facts(consents, dnc, attempts, last)

    def facts_for(
        self,
        campaign: Campaign,
        channel: str,
        keys: npt.NDArray[np.uint64],
        valid: npt.NDArray[np.bool_],
        since: datetime,
        until: datetime,
    ) -> RowFacts:
        """The facts of each row (row i is keys[i]; invalid rows get none). On SQLite the statement that
        brings the cached facts up to date is skipped, as for `one`, while nothing was committed."""
        brand = campaign.brand
        index = self._cache.current(brand, token=self._data_version if self._sqlite else None)
        if index is not None:
            return index.for_rows(keys, valid, channel, campaign, _micros(since), _micros(until))
        lo, hi = self._param(since), self._param(until)
        consents: list[tuple[Any, ...]] = []
        dnc: list[tuple[Any, ...]] = []
        attempts: list[tuple[Any, ...]] = []
        last: list[tuple[Any, ...]] = []
        for part in _chunks([f"+{k}" for k in np.unique(keys[valid]).tolist()]):
            consents += self._query(_CONSENTS, self._consent_params(campaign, channel, until), part)
            dnc += self._query(_DNC, [brand], part)
            attempts += self._query(_ATTEMPTS, [campaign.id, campaign.purpose, brand], part, [lo, hi])
            last += self._query(_LAST_USE, [brand], part, [hi])
        return _facts(consents, dnc, attempts, last).for_rows(keys, valid)


def _micros(moment: datetime) -> int:
    """Microseconds since 1970, exactly (the cache compares attempt instants as the SQL above does)."""
    return (moment - _EPOCH) // _MICROSECOND


_EPOCH, _MICROSECOND = datetime(1970, 1, 1, tzinfo=UTC), timedelta(microseconds=1)
