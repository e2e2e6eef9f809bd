"""The ASGI application: API, web pages and health, sharing one container."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

from dialgate import __version__
from dialgate.api import (
    problems,
    routes_checks,
    routes_events,
    routes_ledger,
    routes_metrics,
    routes_registry,
    routes_requests,
    routes_scrubs,
)
from dialgate.api.auth import KeyCache
from dialgate.api.jobs import BackgroundJobs, Sweeper
from dialgate.api.schemas import Health
from dialgate.bootstrap import Container, build, build_dispatcher, tune_for_latency
from dialgate.config import load_settings
from dialgate.logs import configure as configure_logging
from dialgate.services.dispatch import BackgroundDispatcher
from dialgate.web import app as web


def create_app(container: Container, *, run_dispatcher: bool = False, sweep_jobs: bool = True) -> FastAPI:
    """The ASGI app: the FastAPI application behind the hot path's bare layer (routes_checks.HotPath),
    which answers the two check routes itself. Typed as FastAPI: it delegates every attribute."""
    app = _fastapi_app(container, run_dispatcher=run_dispatcher, sweep_jobs=sweep_jobs)
    return routes_checks.HotPath(app)  # type: ignore[return-value]


def _fastapi_app(container: Container, *, run_dispatcher: bool, sweep_jobs: bool) -> FastAPI:
    jobs = BackgroundJobs()

    @asynccontextmanager
    async def lifespan(started: FastAPI) -> AsyncIterator[None]:
        # Every worker starts a dispatcher; the store's lease lets exactly one of them deliver.
        background = BackgroundDispatcher(build_dispatcher(container)) if run_dispatcher else None
        if background is not None:
            background.start()
        # Every worker sweeps too: the scrubs a stopped worker left are run by whichever claims them first.
        sweeper = Sweeper(lambda: routes_scrubs.sweep(container.runtime, jobs)) if sweep_jobs else None
        if sweeper is not None:
            sweeper.start()
        try:
            yield
        finally:
            if sweeper is not None:
                sweeper.stop()
            if background is not None:
                background.stop()
            await asyncio.to_thread(started.state.check_coalescer.close)  # checks still deciding log first
            container.runtime.decision_log.flush()  # the audit trail's last rows, before the process ends

    app = FastAPI(
        lifespan=lifespan,
        title="dialgate",
        version=__version__,
        description="May this brand call this number now, for this purpose, from this caller ID?",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.container = container
    app.state.runtime = container.runtime
    app.state.key_cache = KeyCache()
    app.state.check_coalescer = routes_checks.Coalescer(container.runtime)
    app.state.consent_writer = routes_ledger.GroupCommit(container.runtime)
    app.state.jobs = jobs
    problems.install(app)
    app.include_router(routes_ledger.router)
    app.include_router(routes_registry.router)
    app.include_router(routes_requests.router)
    app.include_router(routes_events.router)
    web.install(app, container)  # the dashboard at /, the consumer page at /consumer
    _document(app)
    app.include_router(routes_metrics.router)
    app.include_router(routes_scrubs.router)

    @app.get("/healthz", response_model=Health, tags=["operations"])
    def healthz() -> dict[str, str]:
        with container.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__, "store": container.engine.dialect.name}

    return app


def _document(app: FastAPI) -> None:
    """Add the raw hot-path routes to the generated OpenAPI document."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schema.setdefault("paths", {}).update(routes_checks.openapi_paths())
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` workers: settings come from DIALGATE_* variables."""
    settings = load_settings()
    configure_logging(settings.log_level)
    container = build(settings)
    app = create_app(container, run_dispatcher=settings.webhooks.dispatch_in_serve)
    tune_for_latency(container.runtime)
    return app
