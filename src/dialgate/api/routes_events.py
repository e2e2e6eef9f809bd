"""The change feed and vendor webhooks over HTTP (scope `consent:read`: the feed carries consent data).

A brand's key sees its brand's feed and every vendor's webhook; a vendor's key sees the same feed but
only its own webhook.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from dialgate.api.auth import require, runtime
from dialgate.api.schemas_requests import (
    DeliveryList,
    FeedPagePublic,
    VendorStatusList,
    VendorStatusPublic,
    WebhookCreated,
    WebhookSet,
)
from dialgate.domain.access import Principal, Scope
from dialgate.errors import PermissionDeniedError
from dialgate.services import feed, webhooks
from dialgate.services.runtime import Runtime

router = APIRouter(prefix="/v1")
Rt = Annotated[Runtime, Depends(runtime)]
Reader = Annotated[Principal, Depends(require(Scope.CONSENT_READ))]


def _own(who: Principal, vendor: str) -> None:
    if who.vendor is not None and who.vendor != vendor:
        raise PermissionDeniedError(f"this key belongs to vendor '{who.vendor}', not '{vendor}'")


@router.get("/events", response_model=FeedPagePublic, tags=["events"])
def list_events(
    rt: Rt,
    who: Reader,
    after: Annotated[int, Query(ge=0, description="The cursor of the last event you processed.")] = 0,
    limit: Annotated[int, Query(ge=1, le=feed.MAX_PAGE)] = 100,
    brand: str | None = None,
) -> dict[str, Any]:
    """The brand's change feed after a cursor, oldest first: consents, do-not-call and requests."""
    if brand is not None:
        who.require_brand(brand)
    return feed.events_after(rt, who.brand, after, limit).to_dict()


@router.put("/webhooks/{vendor}", response_model=WebhookCreated, tags=["webhooks"])
def set_webhook(vendor: str, body: WebhookSet, rt: Rt, who: Reader) -> dict[str, Any]:
    """Register or change a vendor's webhook. The answer carries the signing secret, once."""
    _own(who, vendor)
    endpoint, secret = webhooks.set_webhook(rt, who.brand, vendor, body.url, after=body.after)
    return {
        "vendor": vendor,
        "url": endpoint.url,
        "status": str(endpoint.status),
        "cursor": endpoint.cursor,
        "secret": secret,
    }


@router.get("/webhooks/{vendor}", response_model=VendorStatusPublic, tags=["webhooks"])
def show_webhook(vendor: str, rt: Rt, who: Reader) -> dict[str, Any]:
    """The webhook's state, acknowledged cursor and lag."""
    _own(who, vendor)
    webhooks.get_webhook(rt, who.brand, vendor)
    return webhooks.vendor_status(rt, who.brand, vendor)[0].to_dict()


@router.delete("/webhooks/{vendor}", status_code=204, tags=["webhooks"])
def remove_webhook(vendor: str, rt: Rt, who: Reader) -> None:
    _own(who, vendor)
    webhooks.remove_webhook(rt, who.brand, vendor)


@router.post("/webhooks/{vendor}/resume", response_model=VendorStatusPublic, tags=["webhooks"])
def resume_webhook(vendor: str, rt: Rt, who: Reader) -> dict[str, Any]:
    """Take a dead-lettered webhook back into service: delivery restarts from its cursor."""
    _own(who, vendor)
    webhooks.resume_webhook(rt, who.brand, vendor)
    return webhooks.vendor_status(rt, who.brand, vendor)[0].to_dict()


@router.get("/webhooks/{vendor}/deliveries", response_model=DeliveryList, tags=["webhooks"])
def deliveries(
    vendor: str, rt: Rt, who: Reader, limit: Annotated[int, Query(ge=1, le=1000)] = 50
) -> dict[str, Any]:
    """The delivery log, newest first."""
    _own(who, vendor)
    return {"deliveries": [a.to_dict() for a in webhooks.delivery_log(rt, who.brand, vendor, limit)]}


@router.get("/vendors/status", response_model=VendorStatusList, tags=["webhooks"])
def vendors_status(rt: Rt, who: Reader) -> dict[str, Any]:
    """Each vendor's acknowledgement of the change feed and its lag (a vendor's key: its own only)."""
    found = webhooks.vendor_status(rt, who.brand, who.vendor)
    return {"vendors": [s.to_dict() for s in found]}
