"""The roaming service over the fake provider: caching, single-flight, bounds, retries, breaker, budgets."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta

import pytest

from dialgate.adapters.hlr.fake import FakeHlrProvider
from dialgate.adapters.hlr.scenario import Scenario
from dialgate.domain.roaming import HlrResult, RoamingState
from dialgate.services.roaming import BreakerState, RoamingPolicy, RoamingService, UnconfiguredHlr
from dialgate.services.runtime import Runtime

HOME, IN_EU, OUTSIDE = "+48451000100", "+48451000110", "+48451000120"
FAST = {"backoff": 0.001, "backoff_max": 0.005}


class Tracking(FakeHlrProvider):
    """The fake, counting how many lookups are in flight at once."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.inflight = self.max_inflight = 0

    async def lookup(self, number: str) -> HlrResult:
        self.inflight += 1
        self.max_inflight = max(self.max_inflight, self.inflight)
        try:
            return await super().lookup(number)
        finally:
            self.inflight -= 1


class Recorder:
    def __init__(self) -> None:
        self.events: Counter[str] = Counter()

    def lookup_finished(self, provider: str, seconds: float, error_kind: str | None) -> None:
        self.events[f"lookup:{error_kind or 'ok'}"] += 1

    def lookup_failed_early(self, provider: str, error_kind: str) -> None:
        self.events[f"early:{error_kind}"] += 1

    def cache_hits(self, layer: str, count: int) -> None:
        self.events[f"hit:{layer}"] += count

    def cache_misses(self, count: int) -> None:
        self.events["miss"] += count

    def breaker_changed(self, provider: str, state: str) -> None:
        self.events[f"breaker:{state}"] += 1


@pytest.fixture
def make(clock):  # type: ignore[no-untyped-def]
    made: list[RoamingService] = []

    def build(scenario: Scenario | None = None, **policy: object) -> tuple[RoamingService, Tracking]:
        provider = Tracking(scenario or Scenario.load(), clock=clock)
        service = RoamingService(provider, clock=clock, policy=RoamingPolicy(**{**FAST, **policy}))  # type: ignore[arg-type]
        made.append(service)
        return service, provider

    yield build
    for service in made:
        service.close()


def slow(number: str, ms: float, **more: object) -> Scenario:
    return Scenario.parse({"numbers": [{"number": number, "latency_ms": ms, **more}]})


def test_statuses_say_home_inside_or_outside_the_eu_eea(make) -> None:
    service, _ = make()
    found = service.resolve_sync([HOME, IN_EU, OUTSIDE, "+48451000160"])
    assert [s.state for s in found.values()] == [
        RoamingState.HOME,
        RoamingState.IN_EEA,
        RoamingState.OUTSIDE_EEA,
        RoamingState.IN_EEA,
    ]
    assert found[OUTSIDE].country == "US" and found[OUTSIDE].provider == "fake"


def test_every_failure_becomes_unknown_with_its_kind_and_none_stops_the_batch(make) -> None:
    service, _ = make(breaker_failures=100)  # seven faults in a row could open it, whatever their order
    failing = {f"+48451000{n}": kind for n, kind in zip(range(170, 178), [
        "timeout", "server", "rate-limited", "malformed", "wrong-number", "unknown-country", "auth", "unknown-number",
    ], strict=True)}  # fmt: skip
    found = service.resolve_sync([HOME, *failing, OUTSIDE])
    assert found[HOME].state is RoamingState.HOME and found[OUTSIDE].state is RoamingState.OUTSIDE_EEA
    for number, kind in failing.items():
        assert found[number].state is RoamingState.UNKNOWN
        assert (found[number].error or "").startswith(kind + ":"), found[number].error


def test_retryable_failures_are_retried_and_others_are_not(make) -> None:
    service, provider = make(retries=2, retry_after_max=2, breaker_failures=100)
    found = service.resolve_sync(["+48451000178", "+48451000171", "+48451000173", "+48451000177"])
    assert found["+48451000178"].state is RoamingState.OUTSIDE_EEA  # 503 once, then the answer
    assert provider.requests["+48451000178"] == 2
    assert provider.requests["+48451000171"] == 3  # 5xx: the first try and two retries
    assert provider.requests["+48451000173"] == 1  # malformed: never asked twice
    assert provider.requests["+48451000177"] == 1  # unknown number: a fact, not a fault


def test_a_429_is_retried_after_the_wait_it_asks_for(make) -> None:
    scenario = Scenario.parse(
        {"numbers": [{"number": OUTSIDE, "failure": "rate-limited", "failures": 1, "retry_after": 0.01,
                      "roaming": True, "roaming_country": "US"}]}
    )  # fmt: skip
    service, provider = make(scenario)
    assert service.check_sync(OUTSIDE, budget=5).state is RoamingState.OUTSIDE_EEA
    assert provider.requests[OUTSIDE] == 2


def test_a_429_asking_for_too_long_a_wait_is_not_retried(make) -> None:
    scenario = Scenario.parse(
        {"numbers": [{"number": OUTSIDE, "failure": "rate-limited", "retry_after": 60}]}
    )
    service, provider = make(scenario, retry_after_max=5)
    assert service.check_sync(OUTSIDE, budget=5).error.startswith("rate-limited")  # type: ignore[union-attr]
    assert provider.requests[OUTSIDE] == 1


def test_concurrent_lookups_of_one_number_make_one_request(make) -> None:
    service, provider = make(slow(OUTSIDE, 100, roaming=True, roaming_country="US"))

    async def many() -> list[RoamingState]:
        found = await asyncio.gather(*(service.resolve([OUTSIDE, OUTSIDE]) for _ in range(50)))
        return [f[OUTSIDE].state for f in found]

    assert asyncio.run(many()) == [RoamingState.OUTSIDE_EEA] * 50
    assert provider.requests[OUTSIDE] == 1


def test_no_more_lookups_are_in_flight_than_the_concurrency_allows(make) -> None:
    scenario = Scenario.parse({"default": {"latency_ms": 20}})
    service, provider = make(scenario, concurrency=4)
    service.resolve_sync([f"+48451000{n}" for n in range(100, 140)])
    assert provider.max_inflight == 4
    assert sum(provider.requests.values()) == 40


def test_answers_are_reused_until_the_ttl_ends(make, clock) -> None:
    service, provider = make(cache_ttl=timedelta(hours=1))
    service.resolve_sync([OUTSIDE])
    clock.advance(minutes=59)
    assert service.check_sync(OUTSIDE).state is RoamingState.OUTSIDE_EEA
    assert provider.requests[OUTSIDE] == 1
    clock.advance(minutes=2)
    service.check_sync(OUTSIDE)
    assert provider.requests[OUTSIDE] == 2


def test_a_zero_ttl_disables_caching(make) -> None:
    service, provider = make(cache_ttl=timedelta(0))
    service.resolve_sync([OUTSIDE])
    service.resolve_sync([OUTSIDE])
    assert provider.requests[OUTSIDE] == 2


def test_answers_that_do_not_say_where_the_number_is_are_not_kept(make) -> None:
    service, provider = make()
    for _ in range(2):
        service.resolve_sync(["+48451000140", "+48451000180"])  # absent; roaming not reported
    assert provider.requests["+48451000140"] == provider.requests["+48451000180"] == 2


def test_a_check_never_waits_past_its_budget(make) -> None:
    service, provider = make(slow(OUTSIDE, 10_000))
    status = service.check_sync(OUTSIDE, budget=0.05)
    assert status.state is RoamingState.UNKNOWN
    assert (status.error or "").startswith("budget: no answer within the 50 ms budget")
    assert provider.requests[OUTSIDE] == 1  # still under way, in the background


def test_the_default_check_budget_is_the_policys(make) -> None:
    service, _ = make(slow(OUTSIDE, 10_000), check_budget=0.02)
    assert (service.check_sync(OUTSIDE).error or "").startswith("budget: no answer within the 20 ms budget")


def test_a_lookup_that_outlives_a_check_still_fills_the_cache(make) -> None:
    service, provider = make(slow(OUTSIDE, 50, roaming=True, roaming_country="US"))
    assert service.check_sync(OUTSIDE, budget=0.001).state is RoamingState.UNKNOWN
    assert service.resolve_sync([OUTSIDE])[OUTSIDE].state is RoamingState.OUTSIDE_EEA  # joins the same lookup
    assert provider.requests[OUTSIDE] == 1


def test_the_provider_timeout_bounds_each_attempt(make) -> None:
    service, provider = make(slow(OUTSIDE, 10_000), timeout=0.02, retries=1)
    status = service.resolve_sync([OUTSIDE])[OUTSIDE]
    assert (status.error or "").startswith("timeout:")
    assert provider.requests[OUTSIDE] == 2


@pytest.mark.parametrize("fail_open", [False, True])
def test_statuses_carry_the_fail_open_choice(make, fail_open: bool) -> None:
    service, _ = make(fail_open=fail_open)
    found = service.resolve_sync([HOME, "+48451000171"])
    assert found["+48451000171"].state is RoamingState.UNKNOWN
    assert found["+48451000171"].fail_open is fail_open


def test_the_breaker_opens_after_repeated_faults_and_stops_asking(make) -> None:
    failing = Scenario.parse({"default": {"failure": "server"}})
    service, provider = make(failing, retries=0, breaker_failures=3, concurrency=1)
    numbers = [f"+48451000{n}" for n in range(100, 110)]
    found = service.resolve_sync(numbers)
    assert sum(provider.requests.values()) == 3
    assert service.breaker_state is BreakerState.OPEN
    assert [s.error.split(":")[0] for s in found.values()][3:] == ["circuit-open"] * 7  # type: ignore[union-attr]


def test_the_breaker_closes_again_when_a_trial_succeeds(make) -> None:
    failing = Scenario.parse({"default": {"failure": "server"}})
    service, provider = make(failing, retries=0, breaker_failures=1, breaker_open_seconds=0.05)
    service.resolve_sync([HOME])
    assert service.breaker_state is BreakerState.OPEN
    provider.scenario = Scenario.load()  # the provider recovers
    time.sleep(0.1)
    assert service.breaker_state is BreakerState.HALF_OPEN
    assert service.resolve_sync([OUTSIDE])[OUTSIDE].state is RoamingState.OUTSIDE_EEA
    assert service.breaker_state is BreakerState.CLOSED


def test_errors_that_are_not_the_providers_fault_leave_the_breaker_closed(make) -> None:
    unknown = Scenario.parse({"default": {"failure": "unknown-number"}})
    service, _ = make(unknown, breaker_failures=2)
    service.resolve_sync([f"+48451000{n}" for n in range(100, 110)])
    assert service.breaker_state is BreakerState.CLOSED


def test_a_provider_bug_is_an_unknown_status_not_a_crash(make, clock) -> None:
    class Broken(FakeHlrProvider):
        async def lookup(self, number: str) -> HlrResult:
            raise ZeroDivisionError("oops")

    service = RoamingService(Broken(Scenario.load(), clock=clock), policy=RoamingPolicy(retries=0))
    try:
        status = service.check_sync(HOME, budget=5)
    finally:
        service.close()
    assert status.state is RoamingState.UNKNOWN
    assert "ZeroDivisionError" in (status.error or "")


def test_progress_is_reported_up_to_the_total(make) -> None:
    service, _ = make()
    service.resolve_sync([HOME])  # one from memory, the rest from the provider
    seen: list[tuple[int, int]] = []
    numbers = [f"+48451000{n}" for n in range(100, 170)]
    service.resolve_sync(numbers, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (70, 70)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_duplicates_are_answered_once_in_the_order_given(make) -> None:
    service, provider = make()
    found = service.resolve_sync([OUTSIDE, HOME, OUTSIDE])
    assert list(found) == [OUTSIDE, HOME]
    assert provider.requests[OUTSIDE] == 1


def test_metrics_hear_of_lookups_hits_misses_and_the_breaker(make, clock) -> None:
    metrics = Recorder()
    service = RoamingService(
        FakeHlrProvider(Scenario.load(), clock=clock),
        clock=clock,
        policy=RoamingPolicy(retries=0),
        metrics=metrics,
    )
    try:
        service.resolve_sync([HOME, "+48451000171"])
        service.resolve_sync([HOME])
    finally:
        service.close()
    assert metrics.events["lookup:ok"] == 1
    assert metrics.events["lookup:server"] == 1
    assert metrics.events["hit:memory"] == 1
    assert metrics.events["miss"] == 2
    assert metrics.events["breaker:closed"] == 1


def test_a_runtime_built_by_hand_fails_closed() -> None:
    service = RoamingService(UnconfiguredHlr())
    try:
        status = service.check_sync(HOME, budget=5)
    finally:
        service.close()
    assert status.state is RoamingState.UNKNOWN and not status.fail_open
    assert Runtime.__dataclass_fields__["roaming"].default_factory is not None  # type: ignore[misc]


def test_a_closed_service_refuses_work(make) -> None:
    service, _ = make()
    service.resolve_sync([HOME])
    service.close()
    with pytest.raises(RuntimeError, match="closed"):
        service.resolve_sync([HOME])
