"""The change feed: one event per consent, do-not-call or request change, in the order they committed.

Each brand has its own gap-free sequence (1, 2, 3, ...): a vendor's cursor is the last sequence number it
acknowledged, and its lag in events is simply the brand's head minus that cursor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from dialgate.domain.timeutil import format_instant


class FeedEventType(StrEnum):
    CONSENT_RECORDED = "consent.recorded"
    DNC_ADDED = "dnc.added"
    DNC_REMOVED = "dnc.removed"
    REQUEST_OPENED = "request.opened"
    REQUEST_CLOSED = "request.closed"


@dataclass(frozen=True, slots=True)
class FeedDraft:
    """An event as a use case publishes it; the store numbers it when the transaction commits."""

    brand: str
    type: FeedEventType
    number: str | None
    occurred_at: datetime
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class FeedEvent:
    brand: str
    seq: int
    id: str  # unique and stable: receivers deduplicate on it (deliveries are at least once)
    type: FeedEventType
    number: str | None
    occurred_at: datetime
    data: dict[str, Any]

    def envelope(self) -> dict[str, Any]:
        """The wire form, for GET /v1/events and for webhook bodies."""
        return {
            "id": self.id,
            "brand": self.brand,
            "cursor": self.seq,
            "type": str(self.type),
            "number": self.number,
            "occurred_at": format_instant(self.occurred_at),
            "data": self.data,
        }
