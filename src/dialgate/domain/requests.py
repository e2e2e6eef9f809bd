"""Consumer requests: opt-outs, cancellations, complaints and access requests, with their deadlines.

A request is received through any channel, gets a protocol number (domain/protocol.py) and a due instant
(domain/deadlines.py), and keeps an append-only audit trail of what happened to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from dialgate.domain.timeutil import format_instant
from dialgate.domain.vocabulary import Source


class RequestKind(StrEnum):
    OPT_OUT = "opt-out"
    CANCELLATION = "cancellation"
    COMPLAINT = "complaint"
    ACCESS = "access"

    @property
    def needs_valid_number(self) -> bool:
        """Only a complaint can stand on a number that does not parse: a complaint about a bogus caller ID
        is still a complaint, but nothing can be blocked, ended or exported for a number that is not one."""
        return self is not RequestKind.COMPLAINT


class RequestChannel(StrEnum):
    WEB = "web"
    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    AGENT = "agent"
    IVR = "ivr"

    @property
    def consent_source(self) -> Source:
        """How the ledger names the channel a revocation came through (a phone call reaches a person)."""
        return {
            RequestChannel.WEB: Source.WEB,
            RequestChannel.PHONE: Source.AGENT,
            RequestChannel.SMS: Source.SMS,
            RequestChannel.EMAIL: Source.EMAIL,
            RequestChannel.AGENT: Source.AGENT,
            RequestChannel.IVR: Source.IVR,
        }[self]


class RequestStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class RequestAction(StrEnum):
    """What the audit trail records."""

    OPENED = "opened"
    CALL_MATCHED = "call-matched"  # a complaint was linked to a recorded call attempt
    CONSENT_REVOKED = "consent-revoked"  # opt-out: revocation for all purposes appended to the ledger
    CONTRACT_ENDED = "contract-ended"  # cancellation: the contract basis revoked in the ledger
    EXPORT_WRITTEN = "export-written"  # access: the export file was written
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class ConsumerRequest:
    id: str
    brand: str
    protocol: str
    kind: RequestKind
    via: RequestChannel
    status: RequestStatus
    number: str  # E.164 when number_valid, else the raw text as received
    number_valid: bool
    jurisdiction: str | None  # the rule pack's country; "" when no pack; None when the number did not parse
    received_at: datetime
    due_at: datetime
    due_rule: str
    due_law: str
    ceiling_at: datetime | None = None
    ceiling_law: str | None = None
    text: str | None = None
    caller_id: str | None = None  # as the consumer reports it: raw text, never validated
    called_at: datetime | None = None
    campaign: str | None = None
    vendor: str | None = None
    attempt_id: int | None = None
    ledger_seq: int | None = None
    export_path: str | None = None
    export_sha256: str | None = None
    closed_at: datetime | None = None
    resolution: str | None = None
    closed_by: str | None = None
    opened_by: str | None = None

    def overdue(self, now: datetime) -> bool:
        return self.status is RequestStatus.OPEN and now > self.due_at

    @property
    def closed_in_time(self) -> bool | None:
        """None while open; otherwise whether it was closed by its due instant."""
        if self.closed_at is None:
            return None
        return self.closed_at <= self.due_at

    def to_dict(self, now: datetime | None = None) -> dict[str, Any]:
        def instant(value: datetime | None) -> str | None:
            return format_instant(value) if value is not None else None

        out: dict[str, Any] = {
            "id": self.id,
            "protocol": self.protocol,
            "brand": self.brand,
            "kind": str(self.kind),
            "via": str(self.via),
            "status": str(self.status),
            "number": self.number,
            "number_valid": self.number_valid,
            "jurisdiction": self.jurisdiction,
            "received_at": instant(self.received_at),
            "due_at": instant(self.due_at),
            "due_rule": self.due_rule,
            "due_law": self.due_law,
            "law_allows_until": instant(self.ceiling_at),
            "law_allows_until_law": self.ceiling_law,
            "text": self.text,
            "caller_id": self.caller_id,
            "called_at": instant(self.called_at),
            "campaign": self.campaign,
            "vendor": self.vendor,
            "attempt_id": self.attempt_id,
            "ledger_seq": self.ledger_seq,
            "export_path": self.export_path,
            "export_sha256": self.export_sha256,
            "closed_at": instant(self.closed_at),
            "resolution": self.resolution,
            "closed_by": self.closed_by,
            "opened_by": self.opened_by,
            "closed_in_time": self.closed_in_time,
        }
        if now is not None:
            out["overdue"] = self.overdue(now)
        return out


@dataclass(frozen=True, slots=True)
class RequestEvent:
    """One line of a request's audit trail (append-only in the store)."""

    request_id: str
    at: datetime
    action: RequestAction
    actor: str | None
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": format_instant(self.at),
            "action": str(self.action),
            "actor": self.actor,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class ResolutionIndex:
    """Share of requests answered by their deadline, among those whose outcome is known.

    A request counts once it is closed (in time or late) or once its deadline has passed while it is
    still open (late, and still counting against the brand). Open requests within their deadline are
    not yet decided and are left out of the share.
    """

    brand: str
    kind: str  # a RequestKind value or "all"
    closed_in_time: int = 0
    closed_late: int = 0
    open_overdue: int = 0
    open_in_time: int = 0

    @property
    def decided(self) -> int:
        return self.closed_in_time + self.closed_late + self.open_overdue

    @property
    def share(self) -> float | None:
        return self.closed_in_time / self.decided if self.decided else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "brand": self.brand,
            "kind": self.kind,
            "closed_in_time": self.closed_in_time,
            "closed_late": self.closed_late,
            "open_overdue": self.open_overdue,
            "open_in_time": self.open_in_time,
            "share_in_time": None if self.share is None else round(self.share, 4),
        }


def resolution_index(brand: str, requests: Iterable[ConsumerRequest], now: datetime) -> list[ResolutionIndex]:
    """One line per kind present, then the total (kind "all")."""
    counts: dict[str, list[int]] = {}
    for r in requests:
        slot = (0 if r.closed_in_time else 1) if r.closed_at is not None else (2 if r.overdue(now) else 3)
        for key in (str(r.kind), "all"):
            counts.setdefault(key, [0, 0, 0, 0])[slot] += 1
    order = [str(k) for k in RequestKind] + ["all"]
    return [ResolutionIndex(brand, k, *counts[k]) for k in order if k in counts]
