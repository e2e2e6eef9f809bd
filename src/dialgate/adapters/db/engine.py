"""Engines for SQLite (the embedded default) and PostgreSQL, and the migrations that shape them."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from dialgate.errors import StoreError

MIGRATIONS = Path(__file__).parent / "migrations"


class WriterLock:
    """One SQLite writer at a time, across threads and processes, waiting in the kernel.

    SQLite's own busy handler makes a blocked writer sleep and retry with growing pauses; with several
    server workers writing, that capped appends at a hundred a second. Writers now queue on a thread
    lock, then on an advisory lock (flock) of a file beside the database.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._thread = threading.Lock()
        self._fd: int | None = None
        self._held = False

    def acquire(self) -> bool:
        self._thread.acquire()
        try:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except OSError:
            self._thread.release()
            raise
        self._held = True
        return True

    def release(self) -> None:
        self._held = False
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread.release()

    def locked(self) -> bool:
        return self._held

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


_WRITER_LOCKS: dict[str, WriterLock] = {}
_WRITER_LOCKS_GUARD = threading.Lock()


def insert_sql(table: str, columns: Sequence[str], *, sqlite: bool) -> str:
    """A plain INSERT with the driver's placeholders (sqlite3's ?, psycopg's %s), for executemany past
    SQLAlchemy's per-value processing on bulk paths. Names are the code's own, never input."""
    marks = ", ".join(["?" if sqlite else "%s"] * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 (fixed names)


def writer_lock(engine: Engine) -> WriterLock | None:
    """The SQLite database's writer lock (shared by everything in this process); None elsewhere."""
    if engine.dialect.name != "sqlite" or not engine.url.database or engine.url.database == ":memory:":
        return None
    path = str(Path(engine.url.database).resolve())
    with _WRITER_LOCKS_GUARD:
        lock = _WRITER_LOCKS.get(path)
        if lock is None:
            lock = _WRITER_LOCKS[path] = WriterLock(Path(path + ".writer-lock"))
        return lock


def make_engine(url: str, *, sqlite_busy_timeout_ms: int = 15000, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, sqlite_busy_timeout_ms, echo)
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


# The decision log's statements read JSON with -> and ->> (SQLite 3.38): refused at start with a clear
# message, not found later as audit writes that fail one after another.
SQLITE_AT_LEAST = (3, 38, 0)


def _sqlite_engine(url: str, busy_timeout_ms: int, echo: bool) -> Engine:
    if sqlite3.sqlite_version_info < SQLITE_AT_LEAST:
        raise StoreError(
            f"this Python's SQLite is {sqlite3.sqlite_version}; dialgate needs "
            f"{'.'.join(map(str, SQLITE_AT_LEAST))} or newer (or use PostgreSQL: DIALGATE_DATABASE_URL)"
        )
    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:":
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the data directory for {path}: {exc.strerror}") from None
    engine = create_engine(url, echo=echo, connect_args={"timeout": busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin() emit BEGIN itself, so writers can ask for BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A writer takes the write lock when its transaction starts, never half-way (no deadlock retries).
        mode = "IMMEDIATE" if conn.get_execution_options().get("dialgate_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    from alembic import command

    try:
        command.upgrade(alembic_config(engine), "head")
    except OperationalError as exc:
        raise StoreError(f"cannot migrate the store at {engine.url!r}: {exc.orig}") from None


def is_current(engine: Engine) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads()) == heads
