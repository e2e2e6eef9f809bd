"""Mount the web pages on the application: staff dashboard, consumer page, static files."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from dialgate.bootstrap import Container, web_secret
from dialgate.config import WebSettings
from dialgate.domain.staff import Policy
from dialgate.services import dashboard, staff
from dialgate.services.runtime import Runtime
from dialgate.web import routes_consumer, routes_staff
from dialgate.web.security import WebConfig

CHAIN_CHECK_SECONDS = 60.0


class ChainChecks:
    """The brand's chain is recomputed from its first event at most once a minute per brand and worker:
    the badge says when it was last checked."""

    def __init__(self, ttl_s: float = CHAIN_CHECK_SECONDS) -> None:
        self._ttl = ttl_s
        self._lock = threading.Lock()
        self._done: dict[str, tuple[float, dashboard.ChainCheck]] = {}

    def get(self, rt: Runtime, brand: str) -> dashboard.ChainCheck:
        now = time.monotonic()
        with self._lock:
            hit = self._done.get(brand)
            if hit is not None and hit[0] > now:
                return hit[1]
            result = dashboard.verify_brand_chain(rt, brand)
            self._done[brand] = (now + self._ttl, result)
            return result


def web_config(settings: WebSettings, secret: bytes) -> WebConfig:
    window = timedelta(minutes=settings.login_window_minutes)
    block = timedelta(minutes=settings.lockout_minutes)
    return WebConfig(
        secret=secret,
        login=staff.LoginPolicy(
            per_account=Policy(settings.login_failures_per_account, window, block),
            per_address=Policy(settings.login_failures_per_address, window, block),
            idle=timedelta(minutes=settings.session_idle_minutes),
            lifetime=timedelta(hours=settings.session_lifetime_hours),
        ),
        consumer=Policy(
            settings.consumer_requests_per_address,
            timedelta(minutes=settings.consumer_window_minutes),
            timedelta(minutes=settings.consumer_window_minutes),
        ),
    )


def install(app: FastAPI, container: Container) -> None:
    app.state.web = web_config(container.settings.web, web_secret(container.settings))
    app.state.chain_checks = ChainChecks()
    static = Path(str(resources.files("dialgate.web") / "static"))
    app.mount("/static", StaticFiles(directory=static), name="static")
    app.include_router(routes_consumer.router)
    app.include_router(routes_staff.router)
