"""Consumer requests: open (with their effects, in the same transaction), close, list, index, export.

Effects of opening a request, committed together with it:
- opt-out: a revocation for the brand, channel call, purpose `all`; the request closes at once.
- cancellation: a revocation with basis `contract`, purpose `all`. The consent fold lets the latest event
  per channel and purpose win, whatever its basis, so this also blocks calls that relied on an express
  consent given earlier: further calls wait until the person grants consent again. That is the
  conservative reading we want: someone who cancels does not expect sales calls the next day.
- access: a JSON export of everything held on the number for the brand, written to the data directory
  and linked from the request.
- every request: events on the change feed (request.opened, and request.closed when it closes).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dialgate.domain import protocol
from dialgate.domain.consent import ConsentDraft, ConsentEvent
from dialgate.domain.deadlines import Counting, deadline_for
from dialgate.domain.feed import FeedEventType
from dialgate.domain.model import CallAttempt
from dialgate.domain.numbers import PhoneNumber, clean_region, parse_number
from dialgate.domain.requests import (
    ConsumerRequest,
    RequestAction,
    RequestChannel,
    RequestEvent,
    RequestKind,
    RequestStatus,
    ResolutionIndex,
    resolution_index,
)
from dialgate.domain.timeutil import format_instant, parse_instant
from dialgate.domain.vocabulary import ALL_PURPOSES, Basis, Channel, ConsentStatus, Party, parse_enum
from dialgate.errors import ConflictError, InputError, NotFoundError, StoreError
from dialgate.services.brands import require_brand
from dialgate.services.consent import append_drafts
from dialgate.services.feed import request_changed
from dialgate.services.ports import RequestFilter, UnitOfWork
from dialgate.services.request_exports import write_access_export
from dialgate.services.runtime import Runtime

MAX_TEXT = 10_000
MAX_RAW_NUMBER = 64
CALL_MATCH_WINDOW = timedelta(hours=2)  # how far a complaint's "called at" may be from the recorded call


@dataclass(frozen=True)
class RequestInput:
    brand: str
    kind: str
    number: str
    via: str
    text: str | None = None
    region: str | None = None
    caller_id: str | None = None  # complaints: the caller ID the person saw, as they report it
    called_at: str | None = None  # complaints: when the call they complain about came (ISO 8601)
    campaign: str | None = None
    vendor: str | None = None
    actor: str | None = None  # who recorded it: "cli", "key:<id>", an agent's name


@dataclass(frozen=True)
class RequestView:
    request: ConsumerRequest
    events: list[RequestEvent]

    def to_dict(self, now: datetime) -> dict[str, Any]:
        return self.request.to_dict(now) | {"events": [e.to_dict() for e in self.events]}


# --- opening ---------------------------------------------------------------------------------------------


def open_request(rt: Runtime, data: RequestInput) -> ConsumerRequest:
    """Validate, store, apply the request's effect and publish it, all in one transaction."""
    kind = parse_enum(RequestKind, data.kind or "", "kind")
    via = parse_enum(RequestChannel, data.via or "", "via")
    number, parsed = _number(kind, data.number, data.region)
    text = _clean(data.text, "text", MAX_TEXT)
    now = rt.clock.now()
    called_text = _clean(data.called_at, "called_at")
    called_at = parse_instant(called_text, "called_at") if called_text else None
    if called_at is not None and called_at > now + rt.clock_skew:
        raise InputError(f"{format_instant(called_at)} is in the future").at(field="called_at")
    with rt.uow(write=True) as uow:
        require_brand(uow, data.brand)
        request = _open_in(
            uow,
            rt,
            brand=data.brand,
            kind=kind,
            via=via,
            number=number,
            parsed=parsed,
            received_at=now,
            now=now,
            text=text,
            caller_id=_clean(data.caller_id, "caller_id", MAX_RAW_NUMBER),
            called_at=called_at,
            campaign=_clean(data.campaign, "campaign", 64),
            vendor=_clean(data.vendor, "vendor", 64),
            actor=data.actor,
        )
        uow.commit()
    return request


def record_refusal(
    uow: UnitOfWork, rt: Runtime, attempt: CallAttempt, revocation: ConsentEvent, now: datetime
) -> ConsumerRequest:
    """An in-call refusal (attempt outcome `refused`): an opt-out request, opened and closed at once.

    The caller has already appended `revocation`; this links it instead of appending a second one.
    The request was received when the person said no (the call's time): statutory ceilings count from
    then. Acting "at once" can only start when dialgate hears of it, so it is due when recorded.
    """
    parsed = parse_number(attempt.number)
    return _open_in(
        uow,
        rt,
        brand=attempt.brand,
        kind=RequestKind.OPT_OUT,
        via=RequestChannel.AGENT,
        number=parsed.e164,
        parsed=parsed,
        received_at=min(attempt.at, now),
        now=now,
        text=f"refused during a call of campaign {attempt.campaign}",
        caller_id=attempt.caller_id,
        called_at=attempt.at,
        campaign=attempt.campaign,
        vendor=attempt.vendor,
        actor=f"vendor:{attempt.vendor}" if attempt.vendor else "attempt",
        revocation=revocation,
    )


def _number(kind: RequestKind, raw: str, region: str | None) -> tuple[str, PhoneNumber | None]:
    text = (raw or "").strip()
    if not text:
        raise InputError("is required").at(field="number")
    region = clean_region(region)  # a bad region is an error of its own, never "an unparseable number"
    try:
        parsed = parse_number(text, region)
    except InputError as exc:
        if kind.needs_valid_number:
            raise InputError(
                f"{exc.message}; {kind} requests need a number that can be "
                f"{'blocked' if kind is RequestKind.OPT_OUT else 'found in the records'} "
                "(only complaints are kept with the number as written)"
            ).at(field="number") from None
        if len(text) > MAX_RAW_NUMBER:
            raise InputError(f"is longer than {MAX_RAW_NUMBER} characters").at(field="number") from None
        return text, None
    return parsed.e164, parsed


def _clean(value: str | None, field: str, limit: int | None = None) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if limit is not None and len(value) > limit:
        raise InputError(f"is longer than {limit} characters").at(field=field)
    return value


def _open_in(
    uow: UnitOfWork,
    rt: Runtime,
    *,
    brand: str,
    kind: RequestKind,
    via: RequestChannel,
    number: str,
    parsed: PhoneNumber | None,
    received_at: datetime,
    now: datetime,
    text: str | None,
    caller_id: str | None,
    called_at: datetime | None,
    campaign: str | None,
    vendor: str | None,
    actor: str | None,
    revocation: ConsentEvent | None = None,
) -> ConsumerRequest:
    deadline = deadline_for(
        kind,
        received_at=received_at,
        jurisdiction=parsed.jurisdiction if parsed else None,
        region=parsed.region if parsed else None,
        zones=parsed.zones if parsed else ("UTC",),
    )
    request = ConsumerRequest(
        id=rt.ids.new_id(),
        brand=brand,
        protocol="",
        kind=kind,
        via=via,
        status=RequestStatus.OPEN,
        number=number,
        number_valid=parsed is not None,
        jurisdiction=parsed.jurisdiction if parsed else None,
        received_at=received_at,
        # "at once" is due the moment dialgate hears of it (later than receipt only for imported refusals)
        due_at=max(now, received_at) if deadline.rule.counting is Counting.IMMEDIATE else deadline.due_at,
        due_rule=deadline.rule.id,
        due_law=deadline.rule.law,
        ceiling_at=deadline.ceiling_at,
        ceiling_law=deadline.ceiling_rule.law if deadline.ceiling_rule else None,
        text=text,
        caller_id=caller_id,
        called_at=called_at,
        campaign=campaign,
        vendor=vendor,
        opened_by=actor,
    )
    trail: list[tuple[RequestAction, dict[str, Any]]] = []
    if kind is RequestKind.COMPLAINT and parsed is not None and (called_at or campaign):
        request, matched = _match_call(uow, request)
        if matched is not None:
            trail.append((RequestAction.CALL_MATCHED, matched))
    request = _insert_with_protocol(uow, request)
    _trail(uow, request, RequestAction.OPENED, now, actor, {
        "kind": str(kind), "via": str(via), "due_rule": deadline.rule.id, "due_at": format_instant(request.due_at),
    })  # fmt: skip
    for action, detail in trail:
        _trail(uow, request, action, now, actor, detail)

    if kind is RequestKind.OPT_OUT:
        if revocation is None:
            (revocation,) = append_drafts(uow, [_revocation(request, Basis.CONSENT, now)], now)
        _trail(uow, request, RequestAction.CONSENT_REVOKED, now, actor, _ledger_detail(revocation))
        request = replace(request, ledger_seq=revocation.seq)
        uow.feed.publish(request_changed(request, FeedEventType.REQUEST_OPENED, now))
        request = _close_in(
            uow,
            request,
            now,
            f"revoked for every purpose in the consent ledger (seq {revocation.seq}); "
            "every check from now on blocks this number for the brand",
            actor,
        )
    elif kind is RequestKind.CANCELLATION:
        (ended,) = append_drafts(uow, [_revocation(request, Basis.CONTRACT, now)], now)
        _trail(uow, request, RequestAction.CONTRACT_ENDED, now, actor, _ledger_detail(ended))
        request = replace(request, ledger_seq=ended.seq)
        uow.requests.save(request)
        uow.feed.publish(request_changed(request, FeedEventType.REQUEST_OPENED, now))
    elif kind is RequestKind.ACCESS:
        stored = write_access_export(uow, rt, request, now)
        request = replace(request, export_path=stored[0], export_sha256=stored[1])
        uow.requests.save(request)
        _trail(uow, request, RequestAction.EXPORT_WRITTEN, now, actor, {
            "path": stored[0], "sha256": stored[1],
        })  # fmt: skip
        uow.feed.publish(request_changed(request, FeedEventType.REQUEST_OPENED, now))
    else:
        uow.feed.publish(request_changed(request, FeedEventType.REQUEST_OPENED, now))
    return request


def _insert_with_protocol(uow: UnitOfWork, request: ConsumerRequest) -> ConsumerRequest:
    """Draw protocol numbers until one is free for the brand (a clash is rare: 27.5 billion values)."""
    for _ in range(20):
        candidate = replace(request, protocol=protocol.encode(secrets.randbelow(protocol.SPACE)))
        if uow.requests.add(candidate):
            return candidate
    raise StoreError(f"no free protocol number found for brand '{request.brand}' after 20 draws")


def _match_call(uow: UnitOfWork, request: ConsumerRequest) -> tuple[ConsumerRequest, dict[str, Any] | None]:
    """Fill what the attempts table knows about the call a complaint names (never overwrite the person)."""
    found = uow.attempts.nearest(
        request.brand,
        request.number,
        at=request.called_at,
        window=CALL_MATCH_WINDOW,
        campaign=request.campaign if request.called_at is None else None,
    )
    if found is None:
        return request, None
    a = found.attempt
    filled = replace(
        request,
        attempt_id=found.id,
        caller_id=request.caller_id or a.caller_id,
        campaign=request.campaign or a.campaign,
        vendor=request.vendor or a.vendor,
        called_at=request.called_at or a.at,
    )
    return filled, {
        "attempt_id": found.id,
        "at": format_instant(a.at),
        "campaign": a.campaign,
        "vendor": a.vendor,
        "caller_id": a.caller_id,
        "outcome": str(a.outcome),
    }


def _revocation(request: ConsumerRequest, basis: Basis, now: datetime) -> ConsentDraft:
    what = "opt-out" if basis is Basis.CONSENT else "cancellation"
    return ConsentDraft(
        brand=request.brand,
        number=request.number,
        channel=Channel.CALL,
        purpose=ALL_PURPOSES,
        status=ConsentStatus.REVOKED,
        basis=basis,
        party=Party.CONSUMER,
        source=request.via.consent_source,
        captured_at=now,
        actor_vendor=request.vendor,
        note=f"{what} request {request.protocol} ({request.id}) received via {request.via}",
    )


def _ledger_detail(event: ConsentEvent) -> dict[str, Any]:
    return {"seq": event.seq, "hash": event.hash, "basis": str(event.basis), "purpose": event.purpose}


def _trail(
    uow: UnitOfWork,
    request: ConsumerRequest,
    action: RequestAction,
    at: datetime,
    actor: str | None,
    detail: dict[str, Any],
) -> None:
    uow.requests.add_event(RequestEvent(request.id, at, action, actor, detail))


# --- closing, finding ------------------------------------------------------------------------------------


def close_request(
    rt: Runtime, ref: str, resolution: str, *, brand: str | None = None, actor: str | None = None
) -> ConsumerRequest:
    text = _clean(resolution, "resolution", MAX_TEXT)
    if text is None:
        raise InputError("say how the request was resolved").at(field="resolution")
    now = rt.clock.now()
    with rt.uow(write=True) as uow:
        request = _resolve(uow, ref, brand)
        if request.status is RequestStatus.CLOSED:
            raise ConflictError(
                f"request {request.protocol} was already closed at {format_instant(request.closed_at or now)}"
            )
        request = _close_in(uow, request, now, text, actor)
        uow.commit()
    return request


def _close_in(
    uow: UnitOfWork, request: ConsumerRequest, now: datetime, resolution: str, actor: str | None
) -> ConsumerRequest:
    closed = replace(
        request, status=RequestStatus.CLOSED, closed_at=now, resolution=resolution, closed_by=actor
    )
    uow.requests.save(closed)
    _trail(uow, closed, RequestAction.CLOSED, now, actor, {
        "resolution": resolution, "in_time": closed.closed_in_time,
    })  # fmt: skip
    uow.feed.publish(request_changed(closed, FeedEventType.REQUEST_CLOSED, now))
    return closed


def _resolve(uow: UnitOfWork, ref: str, brand: str | None) -> ConsumerRequest:
    """A request by its id, or by its protocol number (typed any way a person would)."""
    ref = (ref or "").strip()
    found = uow.requests.get(ref)
    if found is not None and (brand is None or found.brand == brand):
        return found
    code = protocol.normalise(ref)
    if code is not None:
        matches = uow.requests.by_protocol(code, brand)
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            brands = ", ".join(m.brand for m in matches)
            raise ConflictError(f"protocol {code} exists for several brands ({brands}); give --brand")
    raise NotFoundError(f"no request '{ref}'" + (f" for brand '{brand}'" if brand else "")).at(field="id")


def show_request(rt: Runtime, ref: str, *, brand: str | None = None) -> RequestView:
    with rt.uow() as uow:
        request = _resolve(uow, ref, brand)
        return RequestView(request, uow.requests.events(request.id))


def list_requests(
    rt: Runtime,
    *,
    brand: str | None = None,
    overdue: bool = False,
    status: str | None = None,
    kind: str | None = None,
    number: str | None = None,
    vendor: str | None = None,
    limit: int | None = None,
) -> list[ConsumerRequest]:
    now = rt.clock.now()
    where = RequestFilter(
        brand=brand,
        status=parse_enum(RequestStatus, status, "status") if status else None,
        kind=parse_enum(RequestKind, kind, "kind") if kind else None,
        number=number,
        vendor=vendor,
        overdue_at=now if overdue else None,
        limit=limit,
    )
    with rt.uow() as uow:
        if brand is not None:
            require_brand(uow, brand)
        return uow.requests.find(where)


def resolution_stats(
    rt: Runtime, brand: str, *, since: datetime | None = None, until: datetime | None = None
) -> list[ResolutionIndex]:
    """The resolution index: share of requests answered by their deadline, per kind and in total."""
    now = rt.clock.now()
    with rt.uow() as uow:
        require_brand(uow, brand)
        found = uow.requests.find(RequestFilter(brand=brand, received_from=since, received_until=until))
    return resolution_index(brand, found, now)


def export_path(rt: Runtime, ref: str, *, brand: str | None = None) -> tuple[ConsumerRequest, Path]:
    """The access export file of a request (for download)."""
    view = show_request(rt, ref, brand=brand)
    if view.request.export_path is None or rt.exports is None:
        raise NotFoundError(f"request {view.request.protocol} has no export")
    path = rt.exports.path_of(view.request.export_path)
    if path is None:
        raise NotFoundError(
            f"the export of request {view.request.protocol} is missing from the data directory"
        )
    return view.request, path
