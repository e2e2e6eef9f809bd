"""The reason codes of CONTRACT section 3, and reason sets as bit masks for bulk decisions.

Bit i of a mask stands for REASON_CODES[i]. The order is the contract's and only ever grows at the end,
so masks stay comparable across versions.
"""

from __future__ import annotations

from enum import StrEnum


class ReasonCode(StrEnum):
    INVALID_NUMBER = "INVALID_NUMBER"
    UNSUPPORTED_DESTINATION = "UNSUPPORTED_DESTINATION"
    DESTINATION_NOT_ALLOWED = "DESTINATION_NOT_ALLOWED"
    NO_CONSENT = "NO_CONSENT"
    CONSENT_REVOKED = "CONSENT_REVOKED"
    CONSENT_EXPIRED = "CONSENT_EXPIRED"
    INTERNAL_DNC = "INTERNAL_DNC"
    NATIONAL_REGISTRY = "NATIONAL_REGISTRY"
    REGISTRY_MISSING = "REGISTRY_MISSING"
    REGISTRY_STALE = "REGISTRY_STALE"
    OUTSIDE_CALLING_HOURS = "OUTSIDE_CALLING_HOURS"
    PUBLIC_HOLIDAY = "PUBLIC_HOLIDAY"
    FREQUENCY_CAP = "FREQUENCY_CAP"
    COOLING_OFF = "COOLING_OFF"
    CALLER_ID_MISSING = "CALLER_ID_MISSING"
    CALLER_ID_INVALID = "CALLER_ID_INVALID"
    CALLER_ID_NOT_PERMITTED = "CALLER_ID_NOT_PERMITTED"
    ROAMING = "ROAMING"
    ROAMING_UNKNOWN = "ROAMING_UNKNOWN"
    VENDOR_NOT_AUTHORIZED = "VENDOR_NOT_AUTHORIZED"


REASON_CODES: tuple[ReasonCode, ...] = tuple(ReasonCode)
JOINER = "|"


def bit(code: ReasonCode) -> int:
    return 1 << REASON_CODES.index(code)


def mask_of(codes: object) -> int:
    found = 0
    for code in codes:  # type: ignore[attr-defined]
        found |= bit(ReasonCode(code))
    return found


def codes_of(mask: int) -> tuple[ReasonCode, ...]:
    return tuple(code for i, code in enumerate(REASON_CODES) if mask >> i & 1)


def joined(mask: int) -> str:
    """The reasons as the scrub output writes them: codes in contract order, joined by '|'."""
    return JOINER.join(codes_of(mask))
