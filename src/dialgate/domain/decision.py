"""The decision: verdict, reasons with their law, and when the call becomes lawful (CONTRACT §3-4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    ALLOW = "ALLOW"
    BLOCK = "BLOCK"


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


# Reasons that clear by waiting alone. Roaming is not among them: nobody knows when the callee comes home.
TIME_BASED = frozenset(
    {
        ReasonCode.OUTSIDE_CALLING_HOURS,
        ReasonCode.PUBLIC_HOLIDAY,
        ReasonCode.FREQUENCY_CAP,
        ReasonCode.COOLING_OFF,
    }
)
CODE_LIST: tuple[ReasonCode, ...] = tuple(ReasonCode)


@dataclass(frozen=True, slots=True)
class Reason:
    code: ReasonCode
    rule: str  # "<pack>.<rule-id>"
    law: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": str(self.code), "rule": self.rule, "law": self.law, "message": self.message}


@dataclass(slots=True)  # not frozen: a frozen __init__ was a twentieth of a single check; never written
class Decision:
    check_id: str
    number: str
    verdict: Verdict
    reasons: tuple[Reason, ...]
    next_allowed_at: datetime | None
    jurisdiction: str | None
    local_time: datetime | None
    zones: tuple[str, ...]
    zone_source: str | None
    evaluated_at: datetime
    pack_version: str | None = None
    snapshots: tuple[str, ...] = field(default=())

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(str(r.code) for r in self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {
            "check_id": self.check_id,
            "number": self.number,
            "verdict": str(self.verdict),
            "reasons": [r.to_dict() for r in self.reasons],
            "next_allowed_at": self.next_allowed_at.isoformat() if self.next_allowed_at else None,
            "jurisdiction": self.jurisdiction,
            "local_time": self.local_time.isoformat() if self.local_time else None,
            "timezone": {"zones": list(self.zones), "source": self.zone_source} if self.zones else None,
            "evaluated_at": self.evaluated_at.isoformat().replace("+00:00", "Z"),
        }
