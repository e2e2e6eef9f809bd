"""Vendor webhooks: endpoint state, the retry schedule, and the shape of a delivery attempt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from dialgate.domain.timeutil import format_instant


class EndpointStatus(StrEnum):
    ACTIVE = "active"
    DEAD = "dead"  # dead-lettered after too many failures in a row: deliveries stop until resumed


class DeliveryOutcome(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"  # will be retried
    DEAD = "dead"  # the failure that dead-lettered the endpoint


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    brand: str
    vendor: str
    url: str
    secret: str
    status: EndpointStatus
    cursor: int  # last feed sequence number the vendor acknowledged with a 2xx
    failures: int  # consecutive failed attempts on the event after the cursor
    next_attempt_at: datetime | None
    last_error: str | None
    last_attempt_at: datetime | None
    last_delivered_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    brand: str
    vendor: str
    delivery_id: str
    first_seq: int
    last_seq: int
    events: int
    attempt: int  # 1 for the first try of this batch's first event
    at: datetime
    outcome: DeliveryOutcome
    status_code: int | None
    error: str | None
    duration_ms: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "delivery_id": self.delivery_id,
            "vendor": self.vendor,
            "first_cursor": self.first_seq,
            "last_cursor": self.last_seq,
            "events": self.events,
            "attempt": self.attempt,
            "at": format_instant(self.at),
            "outcome": str(self.outcome),
            "status_code": self.status_code,
            "error": self.error,
            "duration_ms": self.duration_ms,
        }


def backoff_seconds(failures: int, *, base: float, cap: float, draw: float) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**(failures-1))).

    `draw` is a number in [0, 1) from the caller's random source, so this stays a pure function.
    Full jitter spreads the retries of many failing deliveries instead of having them retry in step.
    """
    if failures < 1:
        return 0.0
    ceiling: float = min(cap, base * 2.0 ** min(failures - 1, 62))
    return float(max(0.0, min(draw, 1.0)) * ceiling)


@dataclass(frozen=True, slots=True)
class VendorFeedStatus:
    """A vendor's acknowledgement of the brand's change feed, and how far behind it is."""

    brand: str
    vendor: str
    url: str | None  # None: no webhook registered (the vendor may still pull GET /v1/events)
    status: str  # an EndpointStatus value, or "none"
    acknowledged: int | None
    head: int
    lag_events: int | None
    lag_seconds: float | None  # age of the oldest event not yet acknowledged; 0 when caught up
    failures: int
    next_attempt_at: datetime | None
    last_delivered_at: datetime | None
    last_error: str | None

    def to_dict(self) -> dict[str, Any]:
        def instant(value: datetime | None) -> str | None:
            return format_instant(value) if value is not None else None

        return {
            "brand": self.brand,
            "vendor": self.vendor,
            "url": self.url,
            "status": self.status,
            "acknowledged_cursor": self.acknowledged,
            "head_cursor": self.head,
            "lag_events": self.lag_events,
            "lag_seconds": None if self.lag_seconds is None else round(self.lag_seconds, 3),
            "failures": self.failures,
            "next_attempt_at": instant(self.next_attempt_at),
            "last_delivered_at": instant(self.last_delivered_at),
            "last_error": self.last_error,
        }
