"""`GET /metrics` exposes the roaming service's lookups, cache hits, latency, errors and breaker state."""

from __future__ import annotations

import httpx

from dialgate.adapters.hlr.sim import LoopbackServer
from dialgate.api.app import create_app


def sample(text: str, name: str) -> float:
    line = next(line for line in text.splitlines() if line.startswith(name + " ") or line == name)
    return float(line.rsplit(" ", 1)[1])


def test_metrics_count_lookups_hits_and_errors(container) -> None:
    roaming = container.runtime.roaming
    roaming.resolve_sync(["+48451000120", "+48451000171", "+48451000110"])
    roaming.resolve_sync(["+48451000120"])
    with LoopbackServer(create_app(container)) as server:
        answer = httpx.get(server.url + "/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    assert sample(text, 'dialgate_hlr_lookups_total{provider="fake",result="ok"}') == 2
    assert (
        sample(text, 'dialgate_hlr_errors_total{kind="server",provider="fake"}') == 3
    )  # first try + 2 retries
    assert sample(text, 'dialgate_hlr_cache_hits_total{layer="memory"}') == 1
    assert sample(text, "dialgate_hlr_cache_misses_total") == 3
    assert sample(text, 'dialgate_hlr_lookup_seconds_count{provider="fake"}') == 5
    assert sample(text, 'dialgate_hlr_breaker_state{provider="fake"}') == 0


def test_each_application_owns_its_registry(container) -> None:
    other = type(container.metrics)()
    assert other.registry is not container.metrics.registry
    assert b"dialgate_hlr_lookups" in other.exposition()


def test_several_workers_metrics_are_summed_in_multiprocess_mode(tmp_path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    record = (
        "from dialgate.adapters.metrics import AppMetrics\n"
        "m = AppMetrics()\n"
        "m.hlr.lookup_finished('fake', 0.01, None)\n"
        "m.hlr.cache_hits('store', 5)\n"
    )
    for _ in range(2):  # two workers, one after the other
        subprocess.run([sys.executable, "-c", record], env=env, check=True)
    show = "import sys\nfrom dialgate.adapters.metrics import AppMetrics\nsys.stdout.buffer.write(AppMetrics().exposition())"
    text = subprocess.run(
        [sys.executable, "-c", show], env=env, check=True, capture_output=True
    ).stdout.decode()
    assert sample(text, 'dialgate_hlr_lookups_total{provider="fake",result="ok"}') == 2
    assert sample(text, 'dialgate_hlr_cache_hits_total{layer="store"}') == 10
