"""Fixtures for the roaming tests: hlr-sim on loopback (a real server), shared per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dialgate.adapters.hlr.scenario import Scenario
from dialgate.adapters.hlr.sim import SHAPES, HlrSimulator, LoopbackServer


@pytest.fixture(scope="module")
def sim_server() -> Iterator[LoopbackServer]:
    with LoopbackServer(HlrSimulator(Scenario.load(), hang_seconds=30)) as server:
        yield server


@pytest.fixture
def sim(sim_server: LoopbackServer) -> HlrSimulator:
    """The bundled scenario, counts reset, no latency, no errors, no key."""
    app: HlrSimulator = sim_server.app
    app.reset()
    app.scenario, app.latency, app.error_rate, app.api_key = Scenario.load(), 0.0, 0.0, None
    app.shapes = SHAPES
    return app


@pytest.fixture
def sim_url(sim: HlrSimulator, sim_server: LoopbackServer) -> str:
    return sim_server.url
