"""Prometheus metrics, in a registry the application owns (not prometheus_client's global one).

With several server workers (`dialgate serve --workers N`), `serve` points PROMETHEUS_MULTIPROC_DIR at a
fresh directory before the workers start; each worker then writes its samples there and `/metrics`
answers with the sum over the workers (the breaker's state: the worst live worker's).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
BREAKER_VALUES = {"closed": 0, "half-open": 1, "open": 2}
_LATENCY_BUCKETS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0)


class AppMetrics:
    """Every metric dialgate exports. New areas add their metrics here, on the same registry."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.hlr = HlrMetrics(self.registry)

    def exposition(self) -> bytes:
        if _multiprocess_dir() is not None:
            merged = CollectorRegistry()
            multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
            return bytes(generate_latest(merged))
        return bytes(generate_latest(self.registry))


class HlrMetrics:
    """The roaming service's RoamingMetrics port, in Prometheus terms."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.lookups = Counter(
            "dialgate_hlr_lookups",
            "Requests to the HLR provider, by result (ok or error).",
            ["provider", "result"],
            registry=registry,
        )
        self.latency = Histogram(
            "dialgate_hlr_lookup_seconds",
            "Time one request to the HLR provider took.",
            ["provider"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.errors = Counter(
            "dialgate_hlr_errors",
            "Failed lookups by kind (domain/hlr_errors.py), including breaker refusals and spent budgets.",
            ["provider", "kind"],
            registry=registry,
        )
        self.cache_hit_count = Counter(
            "dialgate_hlr_cache_hits",
            "Numbers answered from a cache, by layer (memory or store).",
            ["layer"],
            registry=registry,
        )
        self.cache_miss_count = Counter(
            "dialgate_hlr_cache_misses",
            "Numbers no cache could answer.",
            registry=registry,
        )
        self.breaker = Gauge(
            "dialgate_hlr_breaker_state",
            "The HLR provider's circuit breaker: 0 closed, 1 half-open, 2 open.",
            ["provider"],
            registry=registry,
            multiprocess_mode="livemax",
        )
        self._by_provider: dict[str, tuple[Any, Any, Any]] = {}

    def lookup_finished(self, provider: str, seconds: float, error_kind: str | None) -> None:
        ok, failed, latency = self._children(provider)
        latency.observe(seconds)
        if error_kind is None:
            ok.inc()
        else:
            failed.inc()
            self.errors.labels(provider, error_kind).inc()

    def _children(self, provider: str) -> tuple[Any, Any, Any]:
        """The labelled series of one provider, looked up once (this runs for every lookup)."""
        found = self._by_provider.get(provider)
        if found is None:
            found = self._by_provider[provider] = (
                self.lookups.labels(provider, "ok"),
                self.lookups.labels(provider, "error"),
                self.latency.labels(provider),
            )
        return found

    def lookup_failed_early(self, provider: str, error_kind: str) -> None:
        self.errors.labels(provider, error_kind).inc()

    def cache_hits(self, layer: str, count: int) -> None:
        if count:
            self.cache_hit_count.labels(layer).inc(count)

    def cache_misses(self, count: int) -> None:
        if count:
            self.cache_miss_count.inc(count)

    def breaker_changed(self, provider: str, state: str) -> None:
        self.breaker.labels(provider).set(BREAKER_VALUES.get(state, 2))


def _multiprocess_dir() -> str | None:
    path = os.environ.get(MULTIPROC_ENV)
    return path if path and Path(path).is_dir() else None
