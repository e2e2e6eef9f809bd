"""The change feed: what each change publishes, and how readers page through it.

Every consent, do-not-call and request change publishes one event through `uow.feed` inside the
transaction that makes the change, so the feed holds exactly the changes that committed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dialgate.domain.feed import FeedDraft, FeedEvent, FeedEventType
from dialgate.domain.model import DncEntry
from dialgate.domain.requests import ConsumerRequest
from dialgate.domain.timeutil import format_instant
from dialgate.errors import InputError
from dialgate.services.brands import require_brand
from dialgate.services.runtime import Runtime

MAX_PAGE = 1000


def consent_recorded(wire: dict[str, Any], recorded_at: datetime) -> FeedDraft:
    """`wire`: the event's to_dict, as consent.seal_rows gives it."""
    return FeedDraft(wire["brand"], FeedEventType.CONSENT_RECORDED, wire["number"], recorded_at, wire)


def dnc_changed(entry: DncEntry, *, added: bool, at: datetime, actor: str | None) -> FeedDraft:
    return FeedDraft(
        entry.brand,
        FeedEventType.DNC_ADDED if added else FeedEventType.DNC_REMOVED,
        entry.number,
        at,
        {"number": entry.number, "listed": added, "reason": entry.reason, "actor": actor},
    )


def request_changed(request: ConsumerRequest, type_: FeedEventType, at: datetime) -> FeedDraft:
    """What vendors learn of a request: enough to act on it, not the complaint's text or resolution."""
    return FeedDraft(
        request.brand,
        type_,
        request.number,
        at,
        {
            "request_id": request.id,
            "protocol": request.protocol,
            "kind": str(request.kind),
            "status": str(request.status),
            "via": str(request.via),
            "number": request.number,
            "number_valid": request.number_valid,
            "received_at": format_instant(request.received_at),
            "due_at": format_instant(request.due_at),
            "closed_at": format_instant(request.closed_at) if request.closed_at else None,
            "vendor": request.vendor,
            "ledger_seq": request.ledger_seq,
        },
    )


@dataclass(frozen=True)
class FeedPage:
    brand: str
    events: list[FeedEvent]
    next_after: int  # pass as `after` to get the next page
    head: int  # the brand's latest sequence number

    def to_dict(self) -> dict[str, object]:
        return {
            "brand": self.brand,
            "events": [e.envelope() for e in self.events],
            "next_after": self.next_after,
            "head": self.head,
        }


def events_after(rt: Runtime, brand: str, after: int = 0, limit: int = 100) -> FeedPage:
    if after < 0:
        raise InputError("must be 0 or a cursor from an earlier page").at(field="after")
    if not 1 <= limit <= MAX_PAGE:
        raise InputError(f"must be between 1 and {MAX_PAGE}").at(field="limit")
    with rt.uow() as uow:
        require_brand(uow, brand)
        events = uow.feed.after(brand, after, limit)
        head = uow.feed.head(brand)
    return FeedPage(brand, events, events[-1].seq if events else after, head)


def tail(
    rt: Runtime,
    brand: str | None,
    *,
    after: int = 0,
    follow: bool = False,
    poll_seconds: float = 0.2,
    limit: int | None = None,
) -> Iterator[FeedEvent]:
    """Events in order, one brand or all; with `follow`, keep waiting for new ones (until `limit`)."""
    cursors: dict[str, int] = {}
    with rt.uow() as uow:
        if brand is not None:
            require_brand(uow, brand)
            cursors[brand] = after
    sent = 0
    while True:
        with rt.uow() as uow:
            if brand is None:
                for name in uow.feed.heads():
                    cursors.setdefault(name, 0)
            batch: list[FeedEvent] = []
            for name in sorted(cursors):
                batch.extend(uow.feed.after(name, cursors[name], MAX_PAGE))
        batch.sort(key=lambda e: (e.occurred_at, e.brand, e.seq))
        for event in batch:
            yield event
            cursors[event.brand] = event.seq
            sent += 1
            if limit is not None and sent >= limit:
                return
        if not batch:
            if not follow:
                return
            time.sleep(poll_seconds)
