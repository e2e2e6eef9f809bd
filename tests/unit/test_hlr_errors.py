"""Every HLR failure is a typed error whose retry decision is written down and holds."""

import pytest

from dialgate.domain import hlr_errors
from dialgate.domain.hlr_errors import ALL_KINDS, HlrError
from dialgate.errors import DialgateError

DECISIONS = {
    # kind: (retryable, counts against the provider's breaker)
    "timeout": (True, True),
    "unavailable": (True, True),
    "server": (True, True),
    "rate-limited": (True, False),
    "malformed": (False, True),
    "wrong-number": (False, True),
    "unknown-country": (False, False),
    "auth": (False, True),
    "unknown-number": (False, False),
    "rejected": (False, False),
    "circuit-open": (False, False),
    "budget": (False, False),
}


@pytest.mark.parametrize("error", ALL_KINDS, ids=lambda e: e.kind)
def test_each_kind_carries_its_documented_retry_decision(error: type[HlrError]) -> None:
    assert (error.retryable, error.provider_fault) == DECISIONS[error.kind]


@pytest.mark.parametrize("error", ALL_KINDS, ids=lambda e: e.kind)
def test_each_kind_is_in_the_modules_table(error: type[HlrError]) -> None:
    doc = hlr_errors.__doc__ or ""
    row = next(line for line in doc.splitlines() if f"`{error.kind}`" in line)
    assert error.__name__ in row
    cells = [c.strip() for c in row.split("|")]
    assert cells[4].startswith("yes" if error.retryable else "no")


def test_hlr_errors_share_dialgates_root_and_have_distinct_codes() -> None:
    assert all(issubclass(e, DialgateError) for e in ALL_KINDS)
    assert len({e.code for e in ALL_KINDS}) == len(ALL_KINDS)
    assert len({e.kind for e in ALL_KINDS}) == len(ALL_KINDS)


def test_a_rate_limit_keeps_the_wait_the_provider_asked_for() -> None:
    error = hlr_errors.HlrRateLimitedError("HTTP 429", retry_after=2.0)
    assert error.retry_after == 2.0
    assert error.describe() == "rate-limited: HTTP 429"
