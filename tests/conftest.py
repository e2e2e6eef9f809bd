"""Shared fixtures: a fresh store per test on SQLite and on PostgreSQL, a clock the test controls.

PostgreSQL: one throwaway database per test process (dropped at the end), truncated between tests.
When CI=true and PostgreSQL cannot be reached, the run fails loudly instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from dialgate.adapters.db.engine import make_engine, upgrade
from dialgate.adapters.db.tables import Base
from dialgate.bootstrap import Container, build
from dialgate.config import Settings

PG_ADMIN = os.environ.get("DIALGATE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday


class MovableClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(T0)


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with its smallest costs: the real ones take a quarter of a second per sign-in."""
    from argon2 import PasswordHasher

    from dialgate.services import staff

    monkeypatch.setattr(staff, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _pg_reachable() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return None
    except psycopg.OperationalError as exc:
        return str(exc).strip()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    problem = _pg_reachable()
    if problem is not None:
        message = f"PostgreSQL at {PG_ADMIN} is unreachable: {problem}"
        if IN_CI:
            pytest.fail(message + " (CI=true: storage tests must run on PostgreSQL too)", pytrace=False)
        pytest.skip(message)
    name = f"dialgate_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    upgrade(engine)
    engine.dispose()
    yield url
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "dialgate.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _truncate_pg(url: str) -> None:
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated store: an SQLite file copied from a template, or the truncated test database."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "data" / "dialgate.db"
        target.parent.mkdir(parents=True)
        shutil.copy(template, target)
        yield f"sqlite:///{target}"
    else:
        url: str = request.getfixturevalue("pg_url")
        _truncate_pg(url)
        yield url


@pytest.fixture
def settings(store_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=store_url)


@pytest.fixture
def container(settings: Settings, clock: MovableClock) -> Iterator[Container]:
    built = build(settings, clock=clock)
    yield built
    built.close()


@pytest.fixture
def rt(container: Container):  # type: ignore[no-untyped-def]
    return container.runtime


def tamper(container: Container, sql: str, **params: object) -> list[tuple[object, ...]]:
    """Run SQL as a rogue database administrator would: past the append-only triggers."""
    with container.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for trigger in ("consent_events_no_update", "consent_events_no_delete"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        result = conn.execute(text(sql), params)
        return [tuple(r) for r in result] if result.returns_rows else []


class LiveServer:
    """uvicorn serving the real app on a free loopback port, in a thread of the test process."""

    def __init__(self, app: object) -> None:
        import socket
        import threading

        import uvicorn

        from dialgate.api.http_protocol import JoinedWritesProtocol  # as `dialgate serve` runs

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
            http=JoinedWritesProtocol,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        import time

        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def live(container: Container) -> Iterator[LiveServer]:
    from dialgate.api.app import create_app

    with LiveServer(create_app(container)) as server:
        yield server


@pytest.fixture(scope="session")
def number_tables_dir(request: pytest.FixtureRequest) -> Path:
    """Bulk parsing's prefix tables take seconds to build: every test run shares one cached copy."""
    return Path(request.config.cache.mkdir("number-tables"))


@pytest.fixture(scope="session")
def number_tables(number_tables_dir: Path):  # type: ignore[no-untyped-def]
    from dialgate.adapters.files.number_tables_cache import CachedNumberTables

    return CachedNumberTables(number_tables_dir).load()
