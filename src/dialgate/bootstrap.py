"""The one place where adapters are chosen from settings and wired into a Runtime."""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from dialgate.adapters.clock import SystemClock, UlidGenerator
from dialgate.adapters.compiled_parse import CompiledSteps
from dialgate.adapters.db import engine as db
from dialgate.adapters.db.decision_log import BackgroundDecisionLog
from dialgate.adapters.db.decision_store import SqlDecisionStore
from dialgate.adapters.db.hlr_cache import SqlHlrCache
from dialgate.adapters.db.uow import SqlUnitOfWorkFactory
from dialgate.adapters.files.evidence import FileEvidenceStore
from dialgate.adapters.files.exports import FileExportStore
from dialgate.adapters.files.holiday_cache import CachedHolidays
from dialgate.adapters.files.job_files import DirectoryJobFiles
from dialgate.adapters.files.number_tables_cache import CachedNumberTables
from dialgate.adapters.files.scrub_csv import CsvScrubFiles
from dialgate.adapters.hlr.fake import FakeHlrProvider
from dialgate.adapters.hlr.http import HttpHlrProvider, httpcore_transport
from dialgate.adapters.hlr.scenario import Scenario
from dialgate.adapters.metrics import AppMetrics
from dialgate.adapters.number_digits import digits_of
from dialgate.adapters.registers.files import RegisterFiles
from dialgate.adapters.registers.store import FileRegisterStore
from dialgate.config import HlrSettings, Settings
from dialgate.domain import holiday_tables
from dialgate.domain.bulk_numbers import parse_bulk
from dialgate.domain.webhooks import parse_networks
from dialgate.errors import InputError, StoreError
from dialgate.services.dispatch import DispatchConfig, Dispatcher
from dialgate.services.ports import Clock, HlrProvider, Lease, Wakeup
from dialgate.services.roaming import RoamingPolicy, RoamingService
from dialgate.services.runtime import Runtime


@dataclass
class Container:
    settings: Settings
    engine: Engine
    runtime: Runtime
    metrics: AppMetrics

    def close(self) -> None:
        self.runtime.decision_log.close()  # what it still holds belongs to this store, written now
        self.runtime.roaming.close()
        self.runtime.decisions.close()
        self.engine.dispose()


def tune_for_latency(runtime: Runtime) -> None:
    """Once a long-running process has started and is about to answer checks.

    What a batch would load on first use (bulk parsing's tables, its compiled kernels: half a
    second) is loaded now, before the first caller waits for it.

    What exists now (number tables, packs, metadata, the app) lives as long as the process, so it is
    moved out of the collector's reach, and young collections run less often: full collections over
    the start-up heap were the tail of the check latency under load. And a background thread (the
    decision log's writer, the dispatcher) keeps the GIL for at most half a millisecond when a check is
    waiting for it, not Python's default five.
    """
    if runtime.number_tables is not None:
        tables = runtime.number_tables.load()
        parse_bulk(runtime.digits(["+33639980000"]), None, tables, runtime.parse_steps)
        tables.scalar  # noqa: B018 - the single check's form of them, built before the freeze below
    else:
        runtime.digits(["+33639980000"])
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 50)
    sys.setswitchinterval(0.0005)


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
    clock = clock or SystemClock()
    holiday_tables.use_source(CachedHolidays(settings.resolved_cache_dir))
    metrics = AppMetrics()
    uow = SqlUnitOfWorkFactory(engine)
    register_files = RegisterFiles(settings.data_dir, memory_budget_mb=settings.register_import_memory_mb)
    clock_skew = timedelta(seconds=settings.clock_skew_seconds)
    runtime = Runtime(
        uow=uow,
        clock=clock,
        ids=UlidGenerator(),
        evidence=FileEvidenceStore(settings.data_dir / "evidence"),
        decisions=SqlDecisionStore(engine, revocation_grace=clock_skew),
        decision_log=BackgroundDecisionLog(engine),
        clock_skew=clock_skew,
        import_batch_size=settings.import_batch_size,
        scrub_result_keep=timedelta(days=settings.scrub_result_days),
        exports=FileExportStore(settings.data_dir),
        registers=FileRegisterStore(
            uow, register_files.open_index, refresh_seconds=settings.register_refresh_ms / 1000
        ),
        register_files=register_files,
        roaming=build_roaming(settings.hlr, clock=clock, engine=engine, metrics=metrics),
        number_tables=CachedNumberTables(settings.resolved_cache_dir),
        digits=digits_of,
        parse_steps=CompiledSteps(),
        scrub_files=CsvScrubFiles(),
        job_files=DirectoryJobFiles(settings.data_dir / "scrubs"),
        webhook_networks=parse_networks(settings.webhooks.allowed_networks),
    )
    return Container(settings=settings, engine=engine, runtime=runtime, metrics=metrics)


def build_roaming(
    hlr: HlrSettings, *, clock: Clock, engine: Engine | None, metrics: AppMetrics | None = None
) -> RoamingService:
    """The roaming service for these settings: the fake by default, or an HTTP provider."""
    return RoamingService(
        hlr_provider(hlr, clock),
        clock=clock,
        policy=roaming_policy(hlr),
        cache=SqlHlrCache(engine) if engine is not None else None,
        metrics=metrics.hlr if metrics is not None else None,
        loop_factory=_fast_loop_factory(),
    )


def hlr_provider(hlr: HlrSettings, clock: Clock) -> HlrProvider:
    if hlr.provider == "fake":
        return FakeHlrProvider(Scenario.load(hlr.fake_data), clock=clock, name=hlr.provider_name)
    if not hlr.url:
        raise InputError("the HTTP HLR provider needs a URL").at(field="DIALGATE_HLR__URL")
    try:
        fields = hlr.field_map()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InputError(f"the HLR field mapping is wrong: {problems}").at(
            field="DIALGATE_HLR__MAPPING"
        ) from None
    timeout = hlr.timeout_ms / 1000
    transport = httpcore_transport(hlr.concurrency) if hlr.transport == "httpcore" else None
    return HttpHlrProvider(
        url=hlr.url,
        fields=fields,
        name=hlr.provider_name,
        clock=clock,
        api_key=hlr.api_key.get_secret_value() if hlr.api_key else None,
        timeout=timeout,
        max_connections=hlr.concurrency,
        transport=transport,
    )


def roaming_policy(hlr: HlrSettings) -> RoamingPolicy:
    return RoamingPolicy(
        concurrency=hlr.concurrency,
        rate_per_second=hlr.rate_per_second,
        timeout=hlr.timeout_ms / 1000,
        retries=hlr.retries,
        backoff=hlr.backoff_ms / 1000,
        backoff_max=hlr.backoff_max_ms / 1000,
        retry_after_max=hlr.retry_after_max_seconds,
        breaker_failures=hlr.breaker_failures,
        breaker_open_seconds=hlr.breaker_open_seconds,
        breaker_half_open_probes=hlr.breaker_half_open_probes,
        cache_ttl=timedelta(seconds=hlr.cache_ttl_seconds),
        memory_entries=hlr.cache_memory_entries,
        check_budget=hlr.check_budget_ms / 1000,
        fail_open=hlr.fail_open,
    )


def _fast_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when it is installed (it comes with uvicorn[standard]): less CPU per lookup."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is absent on Windows and PyPy
        return None
    return uvloop.new_event_loop


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
    from dialgate.adapters.db.tables import FeedHeadRow, WebhookEndpointRow
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
        # what the dispatcher's look reads (Dispatcher._snapshot): other commits need no look
        watched = (FeedHeadRow.__tablename__, WebhookEndpointRow.__tablename__)
        wakeup = PollingWakeup(hooks.poll_interval_seconds, container.engine.url.database, watched)
        idle_wait = hooks.fallback_poll_seconds  # the wakeup itself looks every poll_interval_seconds
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
        sender=HttpxSender(max_connections=hooks.concurrency, allowed=container.runtime.webhook_networks),
        lease=lease,
        wakeup=wakeup,
        config=config,
    )
