"""Vendor webhooks: endpoint state, the retry schedule, and the shape of a delivery attempt."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
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


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Sequence[str]) -> tuple[Network, ...]:
    """`webhooks.allowed_networks` as networks; a bare address is a network of one."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"'{entry}' is not an address or network such as 10.20.0.0/16") from None
    return tuple(networks)


def refused_address(address: str, allowed: Sequence[Network]) -> str | None:
    """Why a webhook may not connect to `address`, or None when it may.

    A brand's key registers its vendors' URLs, so without this a key could make dialgate post to the
    machine's own services (its database, an admin port), a cloud metadata service or the internal
    network. Only public addresses are reached, and the networks an operator lists."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0) names no host
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in allowed):
        return None
    for kind, found in (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),  # 169.254.169.254: cloud metadata services
        ("unspecified", ip.is_unspecified),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("non-public", not ip.is_global),  # shared (100.64/10), reserved, documentation ranges
    ):
        if found:
            return (
                f"{address} is a {kind} address; webhooks reach only public addresses unless "
                "webhooks.allowed_networks lists it (DIALGATE_WEBHOOKS__ALLOWED_NETWORKS)"
            )
    return None
