"""The roaming service against hlr-sim on loopback: what the provider actually sees."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from dialgate.adapters.hlr.scenario import Scenario
from dialgate.adapters.hlr.sim import HlrSimulator
from dialgate.bootstrap import build_roaming
from dialgate.config import HlrSettings
from dialgate.domain.roaming import RoamingState
from dialgate.services.roaming import BreakerState, RoamingService

OUTSIDE = "+48451000120"
FIXTURES = [f"+48451000{n}" for n in range(100, 190)]


@pytest.fixture
def roaming(sim_url: str, clock) -> Iterator[callable]:  # type: ignore[no-untyped-def,valid-type]
    made: list[RoamingService] = []

    def make(**settings: object) -> RoamingService:
        hlr = HlrSettings(provider="http", url=sim_url, backoff_ms=1, backoff_max_ms=5, **settings)  # type: ignore[arg-type]
        service = build_roaming(hlr, clock=clock, engine=None)
        made.append(service)
        return service

    yield make
    for service in made:
        service.close()


@pytest.mark.parametrize("shape", ["hlr-lookups", "infobip"])
def test_a_batch_with_every_fault_completes_with_a_status_per_number(
    roaming, sim: HlrSimulator, shape: str
) -> None:
    service = roaming(shape=shape, timeout_ms=1000, retries=1, breaker_failures=100)  # order-independent
    found = service.resolve_sync(FIXTURES)
    assert list(found) == FIXTURES
    assert found["+48451000110"].state is RoamingState.IN_EEA
    assert found[OUTSIDE].state is RoamingState.OUTSIDE_EEA
    assert found["+48451000178"].state is RoamingState.OUTSIDE_EEA  # recovered on its retry
    unknown = {n for n, s in found.items() if s.state is RoamingState.UNKNOWN}
    assert {f"+48451000{n}" for n in range(170, 178)} <= unknown


def test_concurrent_checks_of_one_number_reach_the_provider_once(roaming, sim: HlrSimulator) -> None:
    sim.latency = 0.05
    service = roaming()

    async def fifty() -> set[RoamingState]:
        found = await asyncio.gather(*(service.check(OUTSIDE, budget=5) for _ in range(50)))
        return {s.state for s in found}

    assert asyncio.run(fifty()) == {RoamingState.OUTSIDE_EEA}
    assert sim.requests[OUTSIDE] == 1


def test_the_provider_never_sees_more_lookups_at_once_than_the_concurrency(
    roaming, sim: HlrSimulator
) -> None:
    sim.latency = 0.02
    service = roaming(concurrency=4)
    service.resolve_sync([f"+4845101{n:04d}" for n in range(40)])
    assert sim.total == 40
    assert sim.max_inflight == 4
    assert len(sim.clients) <= 4  # pooled: no more connections than lookups in flight


def test_a_hanging_provider_never_holds_a_check_past_its_budget(roaming, sim: HlrSimulator) -> None:
    service = roaming(timeout_ms=5000)
    status = service.check_sync("+48451000170", budget=0.1)
    assert status.state is RoamingState.UNKNOWN
    assert (status.error or "").startswith("budget:")


def test_the_breaker_opens_on_an_outage_and_spares_the_provider(roaming, sim: HlrSimulator) -> None:
    sim.error_rate = 1.0
    service = roaming(retries=0, breaker_failures=5, concurrency=1)
    found = service.resolve_sync([f"+4845101{n:04d}" for n in range(30)])
    assert sim.total == 5
    assert service.breaker_state is BreakerState.OPEN
    assert all(s.state is RoamingState.UNKNOWN for s in found.values())


def test_a_429_pauses_and_retries_after_its_retry_after(roaming, sim: HlrSimulator) -> None:
    sim.scenario = Scenario.parse(
        {"numbers": [{"number": OUTSIDE, "failure": "rate-limited", "failures": 1, "retry_after": 1,
                      "roaming": True, "roaming_country": "US"}]}
    )  # fmt: skip
    service = roaming(retries=1)
    assert service.resolve_sync([OUTSIDE])[OUTSIDE].state is RoamingState.OUTSIDE_EEA
    assert sim.requests[OUTSIDE] == 2


@pytest.mark.parametrize("fail_open", [False, True])
def test_an_outage_gives_unknown_statuses_marked_fail_open_or_closed(
    roaming, sim: HlrSimulator, fail_open: bool
) -> None:
    sim.error_rate = 1.0
    status = roaming(retries=0, fail_open=fail_open).check_sync(OUTSIDE, budget=5)
    assert status.state is RoamingState.UNKNOWN
    assert status.fail_open is fail_open
    assert (status.error or "").startswith("server: HTTP 503")
