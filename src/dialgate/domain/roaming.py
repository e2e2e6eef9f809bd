"""Roaming: what an HLR lookup says, and what it means for the callee's cost of receiving a call.

Inside the EU/EEA, roam-like-at-home (Regulation (EU) 2022/612) means receiving a call costs nothing
extra; outside it usually does. That difference is what the Polish rule turns on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from dialgate.domain.numbers import PhoneNumber

# EU member states plus Iceland, Liechtenstein and Norway (ISO 3166-1 alpha-2; Greece as GR).
_MEMBERS = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO"
_OUTERMOST = "GP MQ GF RE YT MF"  # outermost regions, inside the EU's roaming area
EU_EEA = frozenset(f"{_MEMBERS} {_OUTERMOST}".split())


class HlrStatus(StrEnum):
    ACTIVE = "active"
    ABSENT = "absent"
    UNKNOWN = "unknown"


class Roaming(StrEnum):
    YES = "true"
    NO = "false"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class HlrResult:
    """One lookup's answer from a provider, normalised (the HlrProvider port's result)."""

    number: str
    status: HlrStatus
    roaming: Roaming
    roaming_country: str | None
    ported: bool | None
    original_network: str | None
    current_network: str | None
    mcc: str | None
    mnc: str | None
    looked_up_at: datetime
    provider: str
    error: str | None = None


class RoamingState(StrEnum):
    """What the decision needs to know."""

    HOME = "home"  # not roaming
    IN_EEA = "in-eea"  # roaming inside the EU/EEA: free for the callee
    OUTSIDE_EEA = "outside-eea"  # roaming where receiving the call costs the callee
    UNKNOWN = "unknown"  # the lookup failed or the provider did not say
    NOT_NEEDED = "not-needed"  # no rule asked for it (fixed line, other country)


@dataclass(frozen=True, slots=True)
class RoamingStatus:
    state: RoamingState
    country: str | None = None
    looked_up_at: datetime | None = None
    provider: str | None = None
    error: str | None = None
    fail_open: bool = False  # the operator chose to allow calls when the lookup fails


NOT_NEEDED = RoamingStatus(RoamingState.NOT_NEEDED)


def roaming_status(result: HlrResult, *, fail_open: bool = False) -> RoamingStatus:
    """Interpret a provider's answer. `fail_open` is the operator's choice, carried for the rule."""
    return status_of(
        result.roaming,
        result.roaming_country,
        result.looked_up_at,
        result.provider,
        error=result.error,
        fail_open=fail_open,
    )


def status_of(
    roaming: Roaming,
    country: str | None,
    looked_up_at: datetime | None,
    provider: str | None,
    *,
    error: str | None = None,
    fail_open: bool = False,
) -> RoamingStatus:
    """The status from the facts it depends on (a cache keeps only those)."""
    state, why = _state(roaming, country, error)
    return RoamingStatus(state, country, looked_up_at, provider, why, fail_open)


def _state(roaming: Roaming, country: str | None, error: str | None) -> tuple[RoamingState, str | None]:
    if error is not None or roaming is Roaming.UNKNOWN:
        return RoamingState.UNKNOWN, error or "roaming status not reported"
    if roaming is Roaming.NO:
        return RoamingState.HOME, None
    if country is None:
        return RoamingState.UNKNOWN, "roaming, but the country was not reported"
    return (RoamingState.IN_EEA if country.upper() in EU_EEA else RoamingState.OUTSIDE_EEA), None


def needs_lookup(number: PhoneNumber, countries_requiring: set[str] | frozenset[str]) -> bool:
    """True when a rule of the number's country asks for roaming and the number may be a mobile.

    Fixed-or-mobile numbers (the US, some others) are looked up too: the plan cannot tell them apart,
    and an HLR answers `absent`/`unknown` for a fixed line, which the rule treats like any unknown.
    """
    return number.kind.may_be_mobile and number.jurisdiction in countries_requiring
