"""Mount the web pages on the application: staff dashboard, consumer page, static files."""

from __future__ import annotations

import logging
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
CHAIN_SYNC_EVENTS = 50_000  # about a second of hashing: a first check this small is done while the page waits
log = logging.getLogger("dialgate.web")


class ChainChecks:
    """The badge on number pages: the brand's chain recomputed from its first event, at most once a
    minute per brand and worker. A long chain is recomputed in a background thread while pages show the
    last result and when it was computed (or, the very first time, that it is being checked)."""

    def __init__(self, ttl_s: float = CHAIN_CHECK_SECONDS, sync_events: int = CHAIN_SYNC_EVENTS) -> None:
        self._ttl, self._sync_events = ttl_s, sync_events
        self._lock = threading.Lock()
        self._done: dict[str, tuple[float, dashboard.ChainCheck]] = {}
        self._running: set[str] = set()

    def get(self, rt: Runtime, brand: str) -> dashboard.ChainCheck | None:
        with self._lock:
            hit = self._done.get(brand)
            if hit is not None and hit[0] > time.monotonic():
                return hit[1]
            if brand in self._running:
                return hit[1] if hit else None
            self._running.add(brand)
        if hit is None and dashboard.chain_length(rt, brand) <= self._sync_events:
            self._verify(rt, brand)
            return self._done[brand][1] if brand in self._done else None
        threading.Thread(
            target=self._verify, args=(rt, brand), name="dialgate-chain-check", daemon=True
        ).start()
        return hit[1] if hit else None

    def _verify(self, rt: Runtime, brand: str) -> None:
        try:
            result = dashboard.verify_brand_chain(rt, brand)
        except Exception:  # the badge then says it is still checking; the next visit tries again
            log.exception("chain check of brand %s failed", brand)
            with self._lock:
                self._running.discard(brand)
            return
        with self._lock:
            self._done[brand] = (time.monotonic() + self._ttl, result)
            self._running.discard(brand)


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
