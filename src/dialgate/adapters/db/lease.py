"""Leadership for singleton jobs: exactly one webhook dispatcher across workers and processes.

PostgreSQL: a session-level advisory lock on a dedicated connection. If the holder dies, its connection
closes and the lock is free at once. SQLite (and PostgreSQL, if asked): a lease row with an expiry,
renewed by its holder; another process takes over once it lapses.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, insert, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from dialgate.adapters.db.tables import LeaseRow, table

_leases = table(LeaseRow)


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock, derived from the job's name."""
    return int.from_bytes(hashlib.sha256(f"dialgate:{name}".encode()).digest()[:8], "big", signed=True)


class PgAdvisoryLease:
    def __init__(self, engine: Engine, name: str) -> None:
        self._engine, self._key = engine, advisory_key(name)
        self._conn: Connection | None = None

    def acquire(self) -> bool:
        if self._conn is not None:
            try:  # still ours as long as the session that took it is alive
                self._conn.execute(text("SELECT 1"))
                return True
            except DBAPIError:
                self._drop()
                return False
        try:
            conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except DBAPIError:
            return False
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key}).scalar()
        except DBAPIError:
            conn.invalidate()
            conn.close()
            return False
        if got:
            self._conn = conn
            return True
        conn.close()
        return False

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
            self._conn.close()
        except DBAPIError:
            self._drop()
        self._conn = None

    def _drop(self) -> None:
        # Never hand a connection that may still hold the lock back to the pool.
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.invalidate()
            conn.close()


class RowLease:
    def __init__(self, engine: Engine, name: str, holder: str, ttl: timedelta) -> None:
        self._engine, self._name, self._holder, self._ttl = engine, name, holder, ttl

    def acquire(self) -> bool:
        now = datetime.now(UTC)
        c = _leases.c
        try:
            with self._engine.connect() as conn:
                conn = conn.execution_options(dialgate_write=True)
                with conn.begin():
                    taken = conn.execute(
                        update(_leases)
                        .where((c.name == self._name) & ((c.holder == self._holder) | (c.expires_at < now)))
                        .values(holder=self._holder, expires_at=now + self._ttl)
                    ).rowcount
                    if not taken:
                        try:
                            with conn.begin_nested():
                                conn.execute(
                                    insert(_leases).values(
                                        name=self._name, holder=self._holder, expires_at=now + self._ttl
                                    )
                                )
                            taken = 1
                        except IntegrityError:
                            taken = 0
            return bool(taken)
        except DBAPIError:
            return False

    def release(self) -> None:
        c = _leases.c
        try:
            with self._engine.connect() as conn, conn.execution_options(dialgate_write=True).begin():
                conn.execute(
                    update(_leases)
                    .where((c.name == self._name) & (c.holder == self._holder))
                    .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
                )
        except DBAPIError:
            pass
