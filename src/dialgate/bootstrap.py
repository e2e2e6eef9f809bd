"""The one place where adapters are chosen from settings and wired into a Runtime."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from dialgate.adapters.clock import SystemClock, UlidGenerator
from dialgate.adapters.db import engine as db
from dialgate.adapters.db.decision_log import BackgroundDecisionLog
from dialgate.adapters.db.decision_store import SqlDecisionStore
from dialgate.adapters.db.uow import SqlUnitOfWorkFactory
from dialgate.adapters.files.evidence import FileEvidenceStore
from dialgate.adapters.files.exports import FileExportStore
from dialgate.adapters.registers_memory import MemoryRegisterStore
from dialgate.config import Settings
from dialgate.errors import StoreError
from dialgate.services.dispatch import DispatchConfig, Dispatcher
from dialgate.services.ports import Clock, Lease, Wakeup
from dialgate.services.runtime import Runtime


@dataclass
class Container:
    settings: Settings
    engine: Engine
    runtime: Runtime

    def close(self) -> None:
        self.engine.dispose()


def build(settings: Settings, *, clock: Clock | None = None, check_schema: bool = True) -> Container:
    """Wire everything. SQLite stores are created or migrated on first use; PostgreSQL needs `db upgrade`."""
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the data directory {settings.data_dir}: {exc.strerror}") from None
    engine = db.make_engine(
        settings.resolved_database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    if check_schema and not _schema_current(engine):
        if not settings.is_sqlite:
            raise StoreError("the PostgreSQL store is not at the current schema; run: dialgate db upgrade")
        db.upgrade(engine)
    runtime = Runtime(
        uow=SqlUnitOfWorkFactory(engine),
        clock=clock or SystemClock(),
        ids=UlidGenerator(),
        evidence=FileEvidenceStore(settings.data_dir / "evidence"),
        decisions=SqlDecisionStore(engine),
        decision_log=BackgroundDecisionLog(engine),
        registers=MemoryRegisterStore(),
        clock_skew=timedelta(seconds=settings.clock_skew_seconds),
        import_batch_size=settings.import_batch_size,
        exports=FileExportStore(settings.data_dir),
    )
    return Container(settings=settings, engine=engine, runtime=runtime)


def _schema_current(engine: Engine) -> bool:
    try:
        return db.is_current(engine)
    except OperationalError as exc:
        raise StoreError(f"cannot reach the store at {engine.url!r}: {exc.orig}") from None


def web_secret(settings: Settings) -> bytes:
    """The installation's secret for the web's CSRF tokens (created on first use, mode 0600)."""
    from dialgate.adapters.files.secret import load_or_create

    return load_or_create(settings.data_dir / "web-secret")


def build_dispatcher(container: Container) -> Dispatcher:
    """The webhook dispatcher: an advisory lock and LISTEN/NOTIFY on PostgreSQL; a lease row and
    short polling on SQLite."""
    from dialgate.adapters.db.lease import PgAdvisoryLease, RowLease
    from dialgate.adapters.events.http import HttpxSender
    from dialgate.adapters.events.wakeup import PgNotifyWakeup, PollingWakeup

    hooks = container.settings.webhooks
    name = "webhook-dispatcher"
    lease: Lease
    wakeup: Wakeup
    if container.engine.dialect.name == "postgresql":
        lease = PgAdvisoryLease(container.engine, name)
        url = container.engine.url.set(drivername="postgresql")
        wakeup = PgNotifyWakeup(url.render_as_string(hide_password=False))
        idle_wait = hooks.fallback_poll_seconds
    else:
        holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        lease = RowLease(container.engine, name, holder, timedelta(seconds=hooks.lease_seconds))
        wakeup = PollingWakeup(hooks.poll_interval_seconds)
        idle_wait = hooks.poll_interval_seconds
    config = DispatchConfig(
        timeout=hooks.timeout_seconds,
        max_failures=hooks.max_failures,
        backoff_base=hooks.backoff_base_seconds,
        backoff_cap=hooks.backoff_cap_seconds,
        batch_size=hooks.batch_size,
        concurrency=hooks.concurrency,
        idle_wait=idle_wait,
        lease_check=min(1.0, hooks.lease_seconds / 3),
        lease_retry=min(1.0, hooks.lease_seconds / 3),
    )
    return Dispatcher(
        container.runtime,
        sender=HttpxSender(max_connections=hooks.concurrency),
        lease=lease,
        wakeup=wakeup,
        config=config,
    )
