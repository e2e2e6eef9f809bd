"""One contract, every HlrProvider: the fake, and the HTTP adapter against hlr-sim in both vendor shapes
(on dialgate's keep-alive transport and on httpx's stock one)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from dialgate.adapters.hlr.fake import FakeHlrProvider
from dialgate.adapters.hlr.http import HttpHlrProvider, httpcore_transport
from dialgate.adapters.hlr.scenario import Scenario
from dialgate.adapters.hlr.sim import HlrSimulator
from dialgate.config import HlrSettings
from dialgate.domain import hlr_errors as e
from dialgate.domain.roaming import HlrResult, HlrStatus, Roaming
from dialgate.services.ports import HlrProvider
from tests.conftest import T0

T = TypeVar("T")
PROVIDERS = ["fake", "hlr-lookups", "infobip", "hlr-lookups+httpcore", "infobip+httpcore"]
HTTP_PROVIDERS = PROVIDERS[1:]


class Frozen:
    def now(self):  # type: ignore[no-untyped-def]
        return T0


def http_provider(
    kind: str, url: str, *, api_key: str | None = None, timeout: float = 5.0
) -> HttpHlrProvider:
    shape, _, transport = kind.partition("+")
    return HttpHlrProvider(
        url=url,
        fields=HlrSettings(shape=shape).field_map(),  # type: ignore[arg-type]
        name=kind,
        clock=Frozen(),
        api_key=api_key,
        timeout=timeout,
        transport=httpcore_transport(8) if transport == "httpcore" else None,
    )


@pytest.fixture(params=PROVIDERS)
def provider(request: pytest.FixtureRequest) -> HlrProvider:
    if request.param == "fake":
        return FakeHlrProvider(Scenario.load(), clock=Frozen(), name="fake")
    url = request.getfixturevalue("sim_url")
    return http_provider(request.param, url)


def run(provider: HlrProvider, work: Callable[[], Awaitable[T]]) -> T:
    """Run on one loop (pooled connections belong to it), then close the provider."""

    async def body() -> T:
        try:
            return await work()
        finally:
            await provider.aclose()

    return asyncio.run(body())


def lookup(provider: HlrProvider, number: str) -> HlrResult:
    return run(provider, lambda: provider.lookup(number))


def failure(provider: HlrProvider, number: str) -> e.HlrError:
    with pytest.raises(e.HlrError) as caught:
        lookup(provider, number)
    return caught.value


EXPECTED: dict[str, dict[str, Any]] = {
    "+48451000100": {
        "status": HlrStatus.ACTIVE,
        "roaming": Roaming.NO,
        "roaming_country": None,
        "ported": False,
    },
    "+48451000110": {"roaming": Roaming.YES, "roaming_country": "DE"},
    "+48451000120": {"roaming": Roaming.YES, "roaming_country": "US"},
    "+48451000130": {"roaming": Roaming.YES, "roaming_country": "GB"},
    "+48451000135": {"roaming": Roaming.YES, "roaming_country": "TR"},
    "+48451000160": {"roaming": Roaming.YES, "roaming_country": "NO"},
    "+48451000140": {"status": HlrStatus.ABSENT, "roaming": Roaming.UNKNOWN},
    "+48451000150": {"ported": True, "current_network": "Other Fictional Mobile PL", "mnc": "98"},
    "+48451000180": {"status": HlrStatus.ACTIVE, "roaming": Roaming.UNKNOWN},
    "+33639980001": {"status": HlrStatus.ACTIVE, "roaming": Roaming.NO},  # not listed: the default
}


@pytest.mark.parametrize("number", EXPECTED)
def test_answers_match_the_scenario(provider: HlrProvider, number: str) -> None:
    result = lookup(provider, number)
    assert result.number == number
    for field, value in EXPECTED[number].items():
        assert getattr(result, field) == value, field


def test_answers_carry_the_network_provider_and_time(provider: HlrProvider) -> None:
    result = lookup(provider, "+48451000100")
    assert (result.mcc, result.mnc) == ("260", "99")
    assert result.original_network == result.current_network == "Fictional Mobile PL"
    assert result.provider == provider.name
    assert result.looked_up_at == T0
    assert result.error is None


FAULTS = {
    "+48451000170": e.HlrTimeoutError,
    "+48451000171": e.HlrServerError,
    "+48451000172": e.HlrRateLimitedError,
    "+48451000173": e.HlrMalformedResponseError,
    "+48451000174": e.HlrWrongNumberError,
    "+48451000175": e.HlrUnknownCountryError,
    "+48451000176": e.HlrAuthError,
    "+48451000177": e.HlrUnknownNumberError,
}


@pytest.mark.parametrize("number", FAULTS)
def test_each_fault_becomes_its_typed_error(provider: HlrProvider, number: str) -> None:
    error = failure(provider, number)
    assert type(error) is FAULTS[number]
    assert error.retryable is FAULTS[number].retryable


def test_a_rate_limit_says_how_long_to_wait(provider: HlrProvider) -> None:
    assert failure(provider, "+48451000172").retry_after == 1.0


def test_a_failure_that_clears_answers_on_the_next_lookup(provider: HlrProvider) -> None:
    async def twice() -> HlrResult:
        with pytest.raises(e.HlrServerError):
            await provider.lookup("+48451000178")
        return await provider.lookup("+48451000178")

    assert run(provider, twice).roaming_country == "US"


def test_concurrent_lookups_do_not_mix_up_answers(provider: HlrProvider) -> None:
    numbers = list(EXPECTED)

    async def together() -> list[HlrResult]:
        return list(await asyncio.gather(*(provider.lookup(n) for n in numbers * 5)))

    assert [r.number for r in run(provider, together)] == numbers * 5


# --- HTTP only: what only a network can do ---------------------------------------------------------


@pytest.mark.parametrize("kind", HTTP_PROVIDERS)
def test_an_unreachable_provider_is_unavailable(kind: str) -> None:
    provider = http_provider(kind, "http://127.0.0.1:9")  # the discard port: nobody listens
    error = failure(provider, "+48451000100")
    assert isinstance(error, e.HlrUnavailableError) and error.retryable


@pytest.mark.parametrize("kind", HTTP_PROVIDERS)
def test_the_api_key_is_sent_in_the_shapes_header(kind: str, sim: HlrSimulator, sim_url: str) -> None:
    sim.api_key = "fictional-test-key"
    assert (
        lookup(http_provider(kind, sim_url, api_key="fictional-test-key"), "+48451000100").roaming
        is Roaming.NO
    )
    assert isinstance(failure(http_provider(kind, sim_url, api_key="wrong"), "+48451000100"), e.HlrAuthError)
    assert isinstance(failure(http_provider(kind, sim_url), "+48451000100"), e.HlrAuthError)


@pytest.mark.parametrize("kind", HTTP_PROVIDERS)
def test_a_hanging_provider_times_out_at_the_adapters_timeout(kind: str, sim_url: str) -> None:
    error = failure(http_provider(kind, sim_url, timeout=0.1), "+48451000170")
    assert isinstance(error, e.HlrTimeoutError)
    assert "100 ms" in error.message or "in time" in error.message


@pytest.mark.parametrize("kind", HTTP_PROVIDERS)
def test_an_outage_is_a_server_error(kind: str, sim: HlrSimulator, sim_url: str) -> None:
    sim.error_rate = 1.0
    assert isinstance(failure(http_provider(kind, sim_url), "+48451000100"), e.HlrServerError)


@pytest.mark.parametrize("kind", HTTP_PROVIDERS)
def test_a_path_the_provider_does_not_serve_is_a_rejected_request(kind: str, sim_url: str) -> None:
    shape, _, _ = kind.partition("+")
    provider = HttpHlrProvider(
        url=sim_url,
        fields=HlrSettings(shape=shape, mapping={"path": "/nowhere"}).field_map(),  # type: ignore[arg-type]
        name=kind,
        clock=Frozen(),
    )
    error = failure(provider, "+48451000100")
    assert isinstance(error, e.HlrRequestRejectedError) and not error.retryable


def test_sequential_lookups_reuse_one_connection(sim: HlrSimulator, sim_url: str) -> None:
    provider = http_provider("infobip", sim_url)

    async def many() -> None:
        for _ in range(30):
            await provider.lookup("+48451000100")

    run(provider, many)
    assert sim.total == 30
    assert len(sim.clients) == 1


def test_a_connection_closed_by_the_server_is_replaced(sim: HlrSimulator, sim_url: str) -> None:
    provider = http_provider("hlr-lookups", sim_url, timeout=0.1)

    async def across_a_hang() -> HlrResult:
        with pytest.raises(e.HlrTimeoutError):
            await provider.lookup("+48451000170")  # the timed-out connection is dropped, not reused
        return await provider.lookup("+48451000120")

    assert run(provider, across_a_hang).roaming_country == "US"


def test_hlr_sim_serves_only_the_shapes_it_is_asked_to(sim: HlrSimulator, sim_url: str) -> None:
    sim.shapes = ("infobip",)
    try:
        assert lookup(http_provider("infobip", sim_url), "+48451000120").roaming_country == "US"
        assert isinstance(
            failure(http_provider("hlr-lookups", sim_url), "+48451000120"), e.HlrRequestRejectedError
        )
    finally:
        sim.shapes = ("hlr-lookups", "infobip")
