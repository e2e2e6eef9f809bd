"""The small entities the decision reads: brands, vendors, the internal do-not-call list, attempts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from dialgate.domain.vocabulary import Outcome, Party, Purpose
from dialgate.errors import InputError

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$")


def check_slug(value: str, field: str) -> str:
    value = value.strip()
    if not _SLUG.match(value):
        raise InputError(f"'{value}' must be 1-64 lowercase letters, digits, '-' or '_'").at(field=field)
    return value


@dataclass(frozen=True, slots=True)
class Brand:
    id: str
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Vendor:
    """A call centre placing calls for a brand. Accreditation may end on a date (inclusive)."""

    brand: str
    id: str
    name: str
    accredited: bool
    accredited_until: date | None

    def accredited_on(self, day: date) -> bool:
        return self.accredited and (self.accredited_until is None or day <= self.accredited_until)


@dataclass(frozen=True, slots=True)
class DncEntry:
    brand: str
    number: str
    reason: str | None
    added_at: datetime


@dataclass(frozen=True, slots=True)
class CallAttempt:
    """A call that happened. Counted per brand: the law says 'directly or through a third party'."""

    brand: str
    campaign: str
    purpose: Purpose
    number: str
    at: datetime
    outcome: Outcome
    vendor: str | None = None
    caller_id: str | None = None
    party: Party = (
        Party.CONSUMER
    )  # whom the campaign calls: a refusal is that party's revocation (not stored)


@dataclass(frozen=True, slots=True)
class DncLogEntry:
    """One change to the internal do-not-call list: who added or removed a number, when, and why."""

    brand: str
    number: str
    action: str  # "add" or "remove"
    reason: str | None
    actor: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class RecordedAttempt:
    """A stored call attempt with its row id, so a complaint can point at the call it is about."""

    id: int
    attempt: CallAttempt
    recorded_at: datetime
