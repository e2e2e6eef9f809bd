"""The contract's vocabulary (CONTRACT.md section 2) as enums whose values are the wire values."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from dialgate.errors import InputError


class Channel(StrEnum):
    CALL = "call"
    SMS = "sms"
    EMAIL = "email"


class Purpose(StrEnum):
    MARKETING = "marketing"
    SALES = "sales"
    SURVEY = "survey"
    SERVICE = "service"
    COLLECTIONS = "collections"
    CONSENT_REQUEST = "consent-request"


ALL_PURPOSES = "all"
"""A consent event for purpose `all` covers every purpose (a revocation for `all` revokes them all)."""


class Party(StrEnum):
    CONSUMER = "consumer"
    BUSINESS = "business"


class ConsentStatus(StrEnum):
    GRANTED = "granted"
    REVOKED = "revoked"


class Basis(StrEnum):
    CONSENT = "consent"
    CONTRACT = "contract"
    INQUIRY = "inquiry"


class Source(StrEnum):
    WEB = "web"
    AGENT = "agent"
    IVR = "ivr"
    SMS = "sms"
    EMAIL = "email"
    PAPER = "paper"
    IMPORT = "import"
    API = "api"
    REGISTRY = "registry"


class Outcome(StrEnum):
    ANSWERED = "answered"
    NO_ANSWER = "no-answer"
    BUSY = "busy"
    FAILED = "failed"
    ABANDONED = "abandoned"
    REFUSED = "refused"


E = TypeVar("E", bound=StrEnum)


def parse_enum(kind: type[E], value: str, field: str) -> E:
    """Parse a wire value, with an error that lists what would have been accepted."""
    member = kind._value2member_map_.get(value)  # the common case, without exceptions or copies
    if member is not None:
        return member  # type: ignore[return-value]
    try:
        return kind(value.strip().lower())
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise InputError(f"'{value}' is not a valid {field}; use one of: {allowed}").at(field=field) from None


def parse_purpose_or_all(value: str, field: str = "purpose") -> str:
    value = value.strip().lower()
    if value == ALL_PURPOSES:
        return ALL_PURPOSES
    try:
        return parse_enum(Purpose, value, field).value
    except InputError as exc:  # the list of what is accepted names `all` too
        raise InputError(f"{exc.message}, {ALL_PURPOSES}").at(field=field) from None
