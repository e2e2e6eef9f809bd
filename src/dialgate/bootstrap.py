"""The one place where adapters are chosen from settings and wired into a Runtime."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from dialgate.adapters.clock import SystemClock, UlidGenerator
from dialgate.adapters.db import engine as db
from dialgate.adapters.db.hlr_cache import SqlHlrCache
from dialgate.adapters.db.uow import SqlUnitOfWorkFactory
from dialgate.adapters.files.evidence import FileEvidenceStore
from dialgate.adapters.hlr.fake import FakeHlrProvider
from dialgate.adapters.hlr.http import HttpHlrProvider, httpcore_transport
from dialgate.adapters.hlr.scenario import Scenario
from dialgate.adapters.metrics import AppMetrics
from dialgate.config import HlrSettings, Settings
from dialgate.errors import InputError, StoreError
from dialgate.services.ports import Clock, HlrProvider
from dialgate.services.roaming import RoamingPolicy, RoamingService
from dialgate.services.runtime import Runtime


@dataclass
class Container:
    settings: Settings
    engine: Engine
    runtime: Runtime
    metrics: AppMetrics

    def close(self) -> None:
        self.runtime.roaming.close()
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
    clock = clock or SystemClock()
    metrics = AppMetrics()
    runtime = Runtime(
        uow=SqlUnitOfWorkFactory(engine),
        clock=clock,
        ids=UlidGenerator(),
        evidence=FileEvidenceStore(settings.data_dir / "evidence"),
        clock_skew=timedelta(seconds=settings.clock_skew_seconds),
        import_batch_size=settings.import_batch_size,
        roaming=build_roaming(settings.hlr, clock=clock, engine=engine, metrics=metrics),
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
