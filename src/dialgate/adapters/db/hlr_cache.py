"""The store's HLR cache (the HlrCache port): answers shared by every process and every run.

A cache is not business data: each call is its own short transaction, outside any unit of work, so a
lookup never waits for (or rolls back with) someone else's transaction.

It is read 100,000 numbers at a time by a scrub's second run, so the SQL is written per dialect: one
parameter per chunk of numbers (SQLite `json_each`, PostgreSQL `= ANY(array)`), rows fetched as tuples,
writes as one upsert per chunk. The table is still `HlrCacheRow` (tables.py), and the times are stored
exactly as UTCDateTime stores them, so both paths read each other's rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from dialgate.adapters.db.types import raw_instant
from dialgate.domain.roaming import HlrResult, HlrStatus, Roaming, RoamingState, RoamingStatus, status_of
from dialgate.errors import StoreError

_CHUNK = 10_000
# Written out in full (no string building): the columns of HlrCacheRow, in this order.
_COLUMNS = (
    "number", "provider", "status", "roaming", "roaming_country", "ported", "original_network",
    "current_network", "mcc", "mnc", "looked_up_at",
)  # fmt: skip
_SQL = {
    "sqlite": {
        "read": """
            SELECT number, provider, status, roaming, roaming_country, ported, original_network,
                   current_network, mcc, mnc, looked_up_at
            FROM hlr_cache
            JOIN json_each(?) AS wanted ON hlr_cache.number = wanted.value
            WHERE looked_up_at >= ?""",
        "write": """
            INSERT INTO hlr_cache (number, provider, status, roaming, roaming_country, ported,
                                   original_network, current_network, mcc, mnc, looked_up_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (number) DO UPDATE SET
                provider = excluded.provider, status = excluded.status, roaming = excluded.roaming,
                roaming_country = excluded.roaming_country, ported = excluded.ported,
                original_network = excluded.original_network, current_network = excluded.current_network,
                mcc = excluded.mcc, mnc = excluded.mnc, looked_up_at = excluded.looked_up_at
            WHERE hlr_cache.looked_up_at <= excluded.looked_up_at""",
        "statuses": """
            SELECT number, roaming, roaming_country, looked_up_at, provider
            FROM hlr_cache
            JOIN json_each(?) AS wanted ON hlr_cache.number = wanted.value
            WHERE looked_up_at >= ?""",
        "prune": "DELETE FROM hlr_cache WHERE looked_up_at < ?",
    },
    "postgresql": {
        "read": """
            SELECT number, provider, status, roaming, roaming_country, ported, original_network,
                   current_network, mcc, mnc, looked_up_at
            FROM hlr_cache
            WHERE number = ANY(%s::varchar[]) AND looked_up_at >= %s""",
        "write": """
            INSERT INTO hlr_cache (number, provider, status, roaming, roaming_country, ported,
                                   original_network, current_network, mcc, mnc, looked_up_at)
            SELECT * FROM unnest(%s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[],
                                 %s::varchar[], %s::boolean[], %s::varchar[], %s::varchar[],
                                 %s::varchar[], %s::varchar[], %s::timestamptz[])
            ON CONFLICT (number) DO UPDATE SET
                provider = excluded.provider, status = excluded.status, roaming = excluded.roaming,
                roaming_country = excluded.roaming_country, ported = excluded.ported,
                original_network = excluded.original_network, current_network = excluded.current_network,
                mcc = excluded.mcc, mnc = excluded.mnc, looked_up_at = excluded.looked_up_at
            WHERE hlr_cache.looked_up_at <= excluded.looked_up_at""",
        "statuses": """
            SELECT number, roaming, roaming_country, looked_up_at, provider
            FROM hlr_cache
            WHERE number = ANY(%s::varchar[]) AND looked_up_at >= %s""",
        "prune": "DELETE FROM hlr_cache WHERE looked_up_at < %s",
    },
}
_ZERO = timedelta(0)
_STATUS = {s.value: s for s in HlrStatus}
_ROAMING = {r.value: r for r in Roaming}


class SqlHlrCache:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name
        if self._dialect not in _SQL:
            raise StoreError(f"the HLR cache has no SQL for {self._dialect}")
        self._sql = _SQL[self._dialect]

    def get_many(self, numbers: Sequence[str], fresh_since: datetime) -> dict[str, HlrResult]:
        found: dict[str, HlrResult] = {}
        since = self._moment(fresh_since)
        sqlite = self._dialect == "sqlite"
        # Hot loop (a scrub's second run reads 100,000 rows): positional arguments, local names.
        result, statuses, roamings, unknown_status, unknown_roaming = (
            HlrResult, _STATUS, _ROAMING, HlrStatus.UNKNOWN, Roaming.UNKNOWN,
        )  # fmt: skip
        aware = _aware
        try:
            with self._engine.connect() as conn:
                for start in range(0, len(numbers), _CHUNK):
                    chunk = list(numbers[start : start + _CHUNK])
                    numbers_param: Any = orjson.dumps(chunk).decode() if sqlite else chunk
                    rows = conn.exec_driver_sql(self._sql["read"], (numbers_param, since)).fetchall()
                    for n, provider, status, roaming, country, ported, orig, cur, mcc, mnc, at in rows:
                        found[n] = result(
                            n,
                            statuses.get(status, unknown_status),
                            roamings.get(roaming, unknown_roaming),
                            country,
                            None if ported is None else ported == 1,
                            orig,
                            cur,
                            mcc,
                            mnc,
                            aware(at),
                            provider,
                        )
        except DBAPIError as exc:
            raise StoreError(f"cannot read the HLR cache: {exc.orig}") from None
        return found

    def get_statuses(
        self, numbers: Sequence[str], fresh_since: datetime, *, fail_open: bool
    ) -> dict[str, RoamingStatus]:
        found: dict[str, RoamingStatus] = {}
        since = self._moment(fresh_since)
        sqlite = self._dialect == "sqlite"
        # Rows share a handful of (roaming, country, provider) combinations: interpret each once, then
        # build one RoamingStatus per row with its own time.
        meaning: dict[tuple[str, str | None, str], tuple[RoamingState, str | None]] = {}
        status, aware = RoamingStatus, _aware
        try:
            with self._engine.connect() as conn:
                for start in range(0, len(numbers), _CHUNK):
                    chunk = list(numbers[start : start + _CHUNK])
                    numbers_param: Any = orjson.dumps(chunk).decode() if sqlite else chunk
                    rows = conn.exec_driver_sql(self._sql["statuses"], (numbers_param, since)).fetchall()
                    for n, roaming, country, at, provider in rows:
                        key = (roaming, country, provider)
                        known = meaning.get(key)
                        if known is None:
                            interpreted = status_of(
                                _ROAMING.get(roaming, Roaming.UNKNOWN), country, None, provider
                            )
                            known = meaning[key] = (interpreted.state, interpreted.error)
                        found[n] = status(known[0], country, aware(at), provider, known[1], fail_open)
        except DBAPIError as exc:
            raise StoreError(f"cannot read the HLR cache: {exc.orig}") from None
        return found

    def put_many(self, results: Sequence[HlrResult]) -> None:
        latest: dict[str, HlrResult] = {}
        for r in results:  # one row per number and statement: the newest answer
            seen = latest.get(r.number)
            if seen is None or seen.looked_up_at <= r.looked_up_at:
                latest[r.number] = r
        rows = [self._row(r) for r in latest.values()]
        if not rows:
            return
        try:
            with self._engine.connect() as conn:
                conn = conn.execution_options(dialgate_write=True)
                with conn.begin():
                    for start in range(0, len(rows), _CHUNK):
                        chunk = rows[start : start + _CHUNK]
                        if self._dialect == "sqlite":
                            conn.exec_driver_sql(self._sql["write"], chunk)
                        else:
                            conn.exec_driver_sql(
                                self._sql["write"], tuple(map(list, zip(*chunk, strict=True)))
                            )
        except DBAPIError as exc:
            raise StoreError(f"cannot write the HLR cache: {exc.orig}") from None

    def prune(self, before: datetime) -> int:
        """Delete answers looked up before `before` (too old for any TTL in use)."""
        try:
            with self._engine.connect() as conn:
                conn = conn.execution_options(dialgate_write=True)
                with conn.begin():
                    return int(conn.exec_driver_sql(self._sql["prune"], (self._moment(before),)).rowcount)
        except DBAPIError as exc:
            raise StoreError(f"cannot prune the HLR cache: {exc.orig}") from None

    def _moment(self, moment: datetime) -> Any:
        """A time as the column holds it: UTCDateTime keeps naive UTC text on SQLite, timestamptz on PG."""
        return raw_instant(moment, self._dialect == "sqlite")

    def _row(self, r: HlrResult) -> tuple[Any, ...]:
        return (
            r.number,
            r.provider[:64],
            r.status.value,
            r.roaming.value,
            r.roaming_country,
            r.ported,
            _clip(r.original_network, 200),
            _clip(r.current_network, 200),
            _clip(r.mcc, 3),
            _clip(r.mnc, 3),
            self._moment(r.looked_up_at),
        )


def _aware(value: Any) -> datetime:
    if value.__class__ is str:  # SQLite: naive UTC text; one C call makes it aware
        return datetime.fromisoformat(value + "+00:00")
    assert isinstance(value, datetime)
    return value if value.utcoffset() == _ZERO else value.astimezone(UTC)


def _clip(value: str | None, size: int) -> str | None:
    return None if value is None else value[:size]
