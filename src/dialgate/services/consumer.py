"""The public consumer page's use case: a person opts out, complains or cancels, with no login.

It goes through services/requests.py like every other channel (via `web`). What it answers is the same
for every number: the protocol and the due date of the request just opened, never anything dialgate
knows about the number (its consent, whether it was ever called, whether it is known at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dialgate.domain.model import Brand
from dialgate.domain.numbers import parse_number
from dialgate.domain.requests import RequestKind, RequestStatus
from dialgate.domain.staff import Policy
from dialgate.errors import InputError
from dialgate.services import requests as request_service
from dialgate.services.runtime import Runtime
from dialgate.services.throttle import ThrottledError, take

PUBLIC_KINDS = (RequestKind.OPT_OUT, RequestKind.COMPLAINT, RequestKind.CANCELLATION)
DEFAULT_LIMIT = Policy(limit=10, window=timedelta(minutes=10), block=timedelta(minutes=10))


@dataclass(frozen=True)
class Receipt:
    """All the public answer holds."""

    brand: Brand
    protocol: str
    kind: RequestKind
    received_at: datetime
    due_at: datetime
    done: bool  # acted on at once (an opt-out)
    zone: str  # where the person's number is: dates are shown in that zone


@dataclass(frozen=True)
class Submission:
    brand: str
    kind: str
    number: str
    region: str | None = None
    text: str | None = None
    caller_id: str | None = None


def brands(rt: Runtime) -> list[Brand]:
    with rt.uow() as uow:
        return uow.brands.list()


def brand(rt: Runtime, brand_id: str) -> Brand | None:
    with rt.uow() as uow:
        return uow.brands.get(brand_id)


def check_rate(rt: Runtime, address: str, policy: Policy = DEFAULT_LIMIT) -> None:
    """Count one submission from this client address; ThrottledError when it sent too many."""
    wait = take(rt, f"consumer:{address[:100]}", policy)
    if wait is not None:
        raise ThrottledError("too many requests from this address", wait)


def submit(rt: Runtime, form: Submission) -> Receipt:
    kinds = {str(k): k for k in PUBLIC_KINDS}
    kind = kinds.get((form.kind or "").strip())
    if kind is None:
        raise InputError("choose what you want to do").at(field="kind")
    owner = brand(rt, (form.brand or "").strip())
    if owner is None:
        raise InputError("choose the company").at(field="brand")
    text = (form.text or "").strip()
    if kind is RequestKind.COMPLAINT and not text:
        raise InputError("say what happened").at(field="text")
    raw = (form.number or "").strip()
    if not raw:
        raise InputError("is required").at(field="number")
    number = parse_number(raw, form.region or None)  # every public request needs a real number
    request = request_service.open_request(
        rt,
        request_service.RequestInput(
            brand=owner.id,
            kind=str(kind),
            number=number.e164,
            via="web",
            text=text or None,
            caller_id=form.caller_id,
            actor="consumer-page",
        ),
    )
    return Receipt(
        brand=owner,
        protocol=request.protocol,
        kind=kind,
        received_at=request.received_at,
        due_at=request.due_at,
        done=request.status is RequestStatus.CLOSED,
        zone=number.zones[0] if number.zones else "UTC",
    )
