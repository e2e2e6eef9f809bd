"""The store's HLR cache (the HlrCache port): answers shared by every process and every run.

A cache is not business data: each call is its own short transaction, outside any unit of work, so a
lookup never waits for (or rolls back with) someone else's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from dialgate.adapters.db.tables import HlrCacheRow, table
from dialgate.domain.roaming import HlrResult, HlrStatus, Roaming
from dialgate.errors import StoreError

_cache = table(HlrCacheRow)
_READ_CHUNK = 2000  # bound parameters per IN list: well inside SQLite's and PostgreSQL's limits
_WRITE_CHUNK = 2000
_COLUMNS = (
    _cache.c.number, _cache.c.provider, _cache.c.status, _cache.c.roaming, _cache.c.roaming_country,
    _cache.c.ported, _cache.c.original_network, _cache.c.current_network, _cache.c.mcc, _cache.c.mnc,
    _cache.c.looked_up_at,
)  # fmt: skip


class SqlHlrCache:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._upsert = _upsert_statement(engine.dialect.name)

    def get_many(self, numbers: Sequence[str], fresh_since: datetime) -> dict[str, HlrResult]:
        found: dict[str, HlrResult] = {}
        statuses, roamings = {s.value: s for s in HlrStatus}, {r.value: r for r in Roaming}
        try:
            with self._engine.connect() as conn:
                for start in range(0, len(numbers), _READ_CHUNK):
                    chunk = numbers[start : start + _READ_CHUNK]
                    query = select(*_COLUMNS).where(
                        _cache.c.number.in_(chunk), _cache.c.looked_up_at >= fresh_since
                    )
                    for row in conn.execute(query):
                        found[row[0]] = HlrResult(
                            number=row[0],
                            provider=row[1],
                            status=statuses.get(row[2], HlrStatus.UNKNOWN),
                            roaming=roamings.get(row[3], Roaming.UNKNOWN),
                            roaming_country=row[4],
                            ported=row[5],
                            original_network=row[6],
                            current_network=row[7],
                            mcc=row[8],
                            mnc=row[9],
                            looked_up_at=row[10],
                        )
        except DBAPIError as exc:
            raise StoreError(f"cannot read the HLR cache: {exc.orig}") from None
        return found

    def put_many(self, results: Sequence[HlrResult]) -> None:
        if not results:
            return
        latest: dict[str, dict[str, Any]] = {}
        for r in results:  # one row per number in a statement: the newest answer
            if r.number not in latest or latest[r.number]["looked_up_at"] <= r.looked_up_at:
                latest[r.number] = _row(r)
        rows = list(latest.values())
        try:
            with self._engine.connect() as conn:
                conn = conn.execution_options(dialgate_write=True)
                with conn.begin():
                    for start in range(0, len(rows), _WRITE_CHUNK):
                        conn.execute(self._upsert, rows[start : start + _WRITE_CHUNK])
        except DBAPIError as exc:
            raise StoreError(f"cannot write the HLR cache: {exc.orig}") from None

    def prune(self, before: datetime) -> int:
        """Delete answers looked up before `before` (too old for any TTL in use)."""
        try:
            with self._engine.connect() as conn:
                conn = conn.execution_options(dialgate_write=True)
                with conn.begin():
                    return conn.execute(_cache.delete().where(_cache.c.looked_up_at < before)).rowcount
        except DBAPIError as exc:
            raise StoreError(f"cannot prune the HLR cache: {exc.orig}") from None


def _row(result: HlrResult) -> dict[str, Any]:
    return {
        "number": result.number,
        "provider": result.provider[:64],
        "status": result.status.value,
        "roaming": result.roaming.value,
        "roaming_country": result.roaming_country,
        "ported": result.ported,
        "original_network": _clip(result.original_network, 200),
        "current_network": _clip(result.current_network, 200),
        "mcc": _clip(result.mcc, 3),
        "mnc": _clip(result.mnc, 3),
        "looked_up_at": result.looked_up_at,
    }


def _clip(value: str | None, size: int) -> str | None:
    return None if value is None else value[:size]


def _upsert_statement(dialect: str) -> Any:
    """INSERT … ON CONFLICT (number) DO UPDATE, keeping whichever answer is newer."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(_cache)
    changed = {c.name: stmt.excluded[c.name] for c in _cache.columns if c.name != "number"}
    return stmt.on_conflict_do_update(
        index_elements=[_cache.c.number],
        set_=changed,
        where=_cache.c.looked_up_at <= stmt.excluded.looked_up_at,
    )
