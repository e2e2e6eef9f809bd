"""Each brand's facts held in this process (domain/rules/fact_index.py), brought up to date before every
read by one statement that returns only what was committed since the last one.

Why nothing committed before a read can be missed, in any process: each of the three tables has a
per-brand position whose rows become visible in order, so "everything after position p" is a complete
answer as of the statement's snapshot.
- consent_events: `seq`, from the brand's ledger head, which appenders lock until they commit
  (PostgreSQL: SELECT ... FOR UPDATE; SQLite: one writer at a time).
- do-not-call: the change feed's `seq` (adapters/db/feed.py: gap-free, in commit order, and every add
  or remove publishes dnc.added / dnc.removed in its own transaction). The list is first read after
  the feed's head, then every later change is replayed over it in order, so a change read twice is
  harmless.
- call_attempts: `id`. SQLite assigns ids under its single writer; on PostgreSQL a sequence does not
  follow commit order, so attempt writers take a per-brand transaction lock before inserting
  (repositories.SqlAttempts.add_many): a brand's ids then become visible in order.
Every position is read in the same statement as the rows after it (one snapshot), and the statement runs
inside the read, after the request arrived: a revocation that committed before it is in the answer.

On SQLite the statement is skipped while nothing has been committed since this thread last ran it:
`PRAGMA data_version` on the thread's connection changes whenever another connection commits, in any
process, and that connection only reads. It is read before the statement, so a commit landing between
the two changes it again and the next read looks.
"""

# The statements below are assembled from this module's constants only; every value is a bound parameter.
# ruff: noqa: S608
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from dialgate.adapters.db.fact_columns import CONSENT, KEY, dialect_sql, int_table
from dialgate.domain.rules.fact_index import BrandIndex, Codes
from dialgate.domain.rules.frame import REVOKED

# Every part as wide as the others: tag, position, key, nine integers, two texts.
_SINCE = (
    f"SELECT 1, seq, {KEY}, {CONSENT}, EPOCH_US(recorded_at), channel, purpose "
    "FROM consent_events WHERE brand_id = {p} AND seq > {p} "
    f"UNION ALL SELECT 2, seq, {KEY}, CAST(type = 'dnc.added' AS INTEGER), 0, 0, 0, 0, 0, 0, 0, 0, NULL, NULL "
    "FROM change_events WHERE brand_id = {p} AND seq > {p} AND type IN ('dnc.added', 'dnc.removed') "
    f"UNION ALL SELECT 3, id, {KEY}, EPOCH_US(at), CAST(outcome = 'refused' AS INTEGER), 0, 0, 0, 0, 0, 0, 0, "
    "campaign_id, purpose FROM call_attempts WHERE id > {p} AND {brand} = {p} "
    "UNION ALL SELECT 4, COALESCE(MAX(seq), 0), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL, NULL "
    "FROM change_events WHERE brand_id = {p}"
)
_FEED_HEAD = "SELECT COALESCE(MAX(seq), 0) FROM change_events WHERE brand_id = {p}"
_DNC = f"SELECT {KEY} FROM dnc_numbers WHERE brand_id = {{p}}"
_COUNT = (
    "SELECT (SELECT COUNT(*) FROM consent_events WHERE brand_id = {p}) "
    "+ (SELECT COUNT(*) FROM call_attempts WHERE brand_id = {p})"
)
_CONSENT, _DNC_CHANGE, _ATTEMPT, _HEAD = 1, 2, 3, 4
_TAGS = (_CONSENT, _DNC_CHANGE, _ATTEMPT)


@dataclass(frozen=True)
class _Cached:
    index: BrandIndex
    consent_seq: int  # positions read up to (see the module's docstring)
    feed_seq: int
    attempt_id: int


class FactCache:
    def __init__(
        self, cursor: Callable[[], Any], sqlite: bool, *, limit: int, revocation_grace: timedelta
    ) -> None:
        self._cursor, self._limit = cursor, limit
        self._grace_us = revocation_grace // timedelta(microseconds=1)
        p = "?" if sqlite else "%s"
        # the brand as an expression, not a column: the planner walks the id range (new rows only), never
        # the brand's index (all its attempts)
        brand = "+brand_id" if sqlite else "(brand_id || '')"
        self._sql = {
            name: dialect_sql(sql.format(p=p, brand=brand), sqlite)
            for name, sql in (("since", _SINCE), ("head", _FEED_HEAD), ("dnc", _DNC), ("count", _COUNT))
        }
        self._brands: dict[str, _Cached | None] = {}  # None: above the limit, read per request instead
        self._lock = threading.Lock()
        self._seen = threading.local()  # per thread: {brand: the token when this thread last looked}

    def current(self, brand: str, *, token: Callable[[], object] | None = None) -> BrandIndex | None:
        """The brand's facts with every commit made before this call, or None when it has more than
        `limit` consents and attempts (kept in memory once per process: the caller reads what it needs).

        `token`: a value of this thread's connection that changes whenever another connection commits
        (see the module's docstring); while it is what it was when this thread last looked, the brand's
        facts are current without a statement."""
        seen: dict[str, object] | None = None
        if token is not None:
            now = token()
            seen = self._seen.__dict__.setdefault("brands", {})
            cached = self._brands.get(brand)
            if cached is not None and seen.get(brand) == now:
                return cached.index
        index = self._refresh(brand)
        if seen is not None:
            seen[brand] = now
        return index

    def _refresh(self, brand: str) -> BrandIndex | None:
        with self._lock:
            if brand in self._brands and self._brands[brand] is None:
                return None
            cached = self._brands.get(brand) or self._first(brand)
            if cached is not None:
                cached = self._since(brand, cached)
                if cached.index.size > self._limit:
                    cached = None
            self._brands[brand] = cached
        return cached.index if cached is not None else None

    def _first(self, brand: str) -> _Cached | None:
        cur = self._cursor()
        try:
            cur.execute(self._sql["count"], [brand, brand])
            if cur.fetchone()[0] > self._limit:
                return None
            # the feed's head before the list: changes after it are replayed over the list as read
            cur.execute(self._sql["head"], [brand])
            (feed_seq,) = cur.fetchone()
            cur.execute(self._sql["dnc"], [brand])
            listed = int_table(cur.fetchall(), 1)[:, 0].astype(np.uint64)
        finally:
            cur.close()
        index = BrandIndex.empty()
        index = replace(
            index, dnc=index.dnc.added(listed, np.tile(np.array([[0, 1]], np.int64), (listed.size, 1)))
        )
        return _Cached(index, 0, int(feed_seq), 0)

    def _since(self, brand: str, cached: _Cached) -> _Cached:
        cur = self._cursor()
        try:
            params = [brand, cached.consent_seq, brand, cached.feed_seq, cached.attempt_id, brand, brand]
            cur.execute(self._sql["since"], params)
            rows: list[tuple[Any, ...]] = cur.fetchall()
        finally:
            cur.close()
        feed_seq = next(int(r[1]) for r in rows if r[0] == _HEAD)
        if len(rows) == 1:  # nothing new
            return _Cached(cached.index, cached.consent_seq, feed_seq, cached.attempt_id)
        index, codes = cached.index, cached.index.codes
        consents, dnc, attempts = index.consents, index.dnc, index.attempts
        consent_seq, attempt_id = cached.consent_seq, cached.attempt_id
        parts = {tag: sorted((r for r in rows if r[0] == tag), key=_position) for tag in _TAGS}
        if found := parts[_CONSENT]:
            t = _ints(found)
            # from when each counts (fact_columns.CONSENT_WHERE): its capture (CONSENT's first column, in
            # microseconds) or its recording, which for a revocation counts the grace early
            recorded = t[:, 11:12] - np.where(t[:, 5:6] == REVOKED, self._grace_us, 0)
            known = np.minimum(t[:, 3:4], recorded)
            consents = consents.added(
                t[:, 2].astype(np.uint64), np.hstack([t[:, 3:11], known, _texts(codes, found)])
            )
            consent_seq = int(t[-1, 1])
        if found := parts[_DNC_CHANGE]:
            t = _ints(found)
            dnc = dnc.added(t[:, 2].astype(np.uint64), t[:, [1, 3]])
        if found := parts[_ATTEMPT]:
            t = _ints(found)
            attempts = attempts.added(t[:, 2].astype(np.uint64), np.hstack([t[:, 3:5], _texts(codes, found)]))
            attempt_id = int(t[-1, 1])
        return _Cached(BrandIndex(consents, dnc, attempts, codes), consent_seq, feed_seq, attempt_id)


def _position(row: tuple[Any, ...]) -> int:
    return int(row[1])


def _ints(rows: list[tuple[Any, ...]]) -> npt.NDArray[np.int64]:
    return int_table([r[:12] for r in rows], 12)


def _texts(codes: Codes, rows: list[tuple[Any, ...]]) -> npt.NDArray[np.int64]:
    """The two text columns as codes."""
    return np.stack([codes.encode(r[12] for r in rows), codes.encode(r[13] for r in rows)], axis=1)
