"""What an HLR answer means for the callee's cost, and which numbers need a lookup at all."""

from datetime import UTC, datetime

import pytest

from dialgate.domain.numbers import parse_number
from dialgate.domain.roaming import (
    HlrResult,
    HlrStatus,
    Roaming,
    RoamingState,
    needs_lookup,
    roaming_status,
)

AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def answer(roaming: Roaming, country: str | None = None, error: str | None = None) -> HlrResult:
    return HlrResult(
        number="+48451000100",
        status=HlrStatus.ACTIVE,
        roaming=roaming,
        roaming_country=country,
        ported=False,
        original_network="Fictional Mobile PL",
        current_network="Fictional Mobile PL",
        mcc="260",
        mnc="99",
        looked_up_at=AT,
        provider="fake",
        error=error,
    )


@pytest.mark.parametrize("country", ["DE", "FR", "NO", "IS", "LI", "GR", "RE", "de"])
def test_roaming_inside_the_eu_eea_is_free_for_the_callee(country: str) -> None:
    assert roaming_status(answer(Roaming.YES, country)).state is RoamingState.IN_EEA


@pytest.mark.parametrize("country", ["US", "GB", "TR", "CH", "UA", "VA"])
def test_roaming_outside_the_eu_eea_costs_the_callee(country: str) -> None:
    assert roaming_status(answer(Roaming.YES, country)).state is RoamingState.OUTSIDE_EEA


def test_a_number_at_home_is_not_roaming() -> None:
    status = roaming_status(answer(Roaming.NO))
    assert status.state is RoamingState.HOME
    assert status.looked_up_at == AT and status.provider == "fake"


def test_roaming_without_a_country_is_unknown() -> None:
    status = roaming_status(answer(Roaming.YES))
    assert status.state is RoamingState.UNKNOWN
    assert "country" in (status.error or "")


def test_an_unreported_roaming_flag_is_unknown() -> None:
    assert roaming_status(answer(Roaming.UNKNOWN)).state is RoamingState.UNKNOWN


def test_polish_mobiles_need_a_lookup_when_poland_asks() -> None:
    assert needs_lookup(parse_number("+48451000120"), {"PL"})


def test_polish_fixed_lines_and_other_countries_do_not() -> None:
    assert not needs_lookup(parse_number("+48220000100"), {"PL"})
    assert not needs_lookup(parse_number("+491713920000"), {"PL"})
    assert not needs_lookup(parse_number("+48451000120"), set())


def test_fixed_or_mobile_numbers_are_looked_up_too() -> None:
    us = parse_number("+12025550123")
    assert us.kind.may_be_mobile
    assert needs_lookup(us, {"US"})
