"""The ASGI application: API, web pages and health, sharing one container."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import text

from dialgate import __version__
from dialgate.api import problems, routes_ledger, routes_scrubs
from dialgate.api.auth import KeyCache
from dialgate.api.jobs import BackgroundJobs
from dialgate.api.schemas import Health
from dialgate.bootstrap import Container, build
from dialgate.config import load_settings


def create_app(container: Container) -> FastAPI:
    app = FastAPI(
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
    app.state.jobs = BackgroundJobs()
    problems.install(app)
    app.include_router(routes_ledger.router)
    app.include_router(routes_scrubs.router)

    @app.get("/healthz", response_model=Health, tags=["operations"])
    def healthz() -> dict[str, str]:
        with container.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__, "store": container.engine.dialect.name}

    return app


def create_app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` workers: settings come from DIALGATE_* variables."""
    return create_app(build(load_settings()))
