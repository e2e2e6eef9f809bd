"""Vendor webhooks: register a URL (the signing secret is shown once), see acknowledgement and lag, resume.

Delivery itself is the dispatcher's job (services/dispatch.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import urlsplit

from dialgate.domain.webhooks import (
    DeliveryAttempt,
    EndpointStatus,
    Network,
    VendorFeedStatus,
    WebhookEndpoint,
    refused_address,
)
from dialgate.errors import InputError, NotFoundError
from dialgate.services.brands import require_brand
from dialgate.services.ports import UnitOfWork
from dialgate.services.runtime import Runtime

SECRET_PREFIX = "whsec_"  # noqa: S105 (a label in front of the secret, not a secret)
MAX_URL = 2000


def _check_url(url: str, allowed: Sequence[Network]) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    try:
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError:
        host = None
    if parts.scheme not in ("http", "https") or not host:
        raise InputError(f"'{url}' is not an http(s) URL such as https://crm.example/dialgate").at(
            field="url"
        )
    if len(url) > MAX_URL:
        raise InputError(f"is longer than {MAX_URL} characters").at(field="url")
    if parts.username or parts.password:
        raise InputError("must not carry credentials; the signature authenticates dialgate").at(field="url")
    # An address, or a name that always means this machine, is judged now; other names when each
    # delivery connects (what they resolve to may change).
    literal = "127.0.0.1" if host == "localhost" or host.endswith(".localhost") else host
    try:
        refused = refused_address(literal, allowed)
    except ValueError:  # a name, not an address
        refused = None
    if refused is not None:
        named = f"{host} names this machine: " if literal != host else ""
        raise InputError(named + refused).at(field="url")
    return url


def _require_vendor(uow: UnitOfWork, brand: str, vendor: str) -> None:
    require_brand(uow, brand)
    if uow.vendors.get(brand, vendor) is None:
        raise NotFoundError(
            f"unknown vendor '{vendor}' for brand '{brand}'; register it with: "
            f"dialgate vendor apply --brand {brand} --id {vendor}"
        ).at(field="vendor")


def set_webhook(
    rt: Runtime, brand: str, vendor: str, url: str, *, after: int | None = None
) -> tuple[WebhookEndpoint, str]:
    """Register or change a vendor's URL. Returns the endpoint and its new signing secret (shown once).

    A new endpoint starts after the brand's current head (only changes from now on), or after `after`
    (0 replays the whole feed). A changed URL keeps its cursor, and retries start again at once.
    """
    url = _check_url(url, rt.webhook_networks)
    if after is not None and after < 0:
        raise InputError("must be 0 or a cursor").at(field="after")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    now = rt.clock.now()
    with rt.uow(write=True) as uow:
        _require_vendor(uow, brand, vendor)
        head = uow.feed.head(brand)
        old = uow.webhooks.get(brand, vendor)
        cursor = after if after is not None else (old.cursor if old else head)
        endpoint = WebhookEndpoint(
            brand=brand,
            vendor=vendor,
            url=url,
            secret=secret,
            status=EndpointStatus.ACTIVE,
            cursor=min(cursor, head),
            failures=0,
            next_attempt_at=None,
            last_error=None,
            last_attempt_at=old.last_attempt_at if old else None,
            last_delivered_at=old.last_delivered_at if old else None,
            created_at=old.created_at if old else now,
            updated_at=now,
        )
        uow.webhooks.put(endpoint)
        uow.commit()
    return endpoint, secret


def get_webhook(rt: Runtime, brand: str, vendor: str) -> WebhookEndpoint:
    with rt.uow() as uow:
        _require_vendor(uow, brand, vendor)
        found = uow.webhooks.get(brand, vendor)
    if found is None:
        raise NotFoundError(f"vendor '{vendor}' of brand '{brand}' has no webhook")
    return found


def remove_webhook(rt: Runtime, brand: str, vendor: str) -> bool:
    with rt.uow(write=True) as uow:
        _require_vendor(uow, brand, vendor)
        removed = uow.webhooks.remove(brand, vendor)
        uow.commit()
    return removed


def resume_webhook(rt: Runtime, brand: str, vendor: str) -> WebhookEndpoint:
    """Take a dead-lettered webhook back into service: deliveries restart from its cursor, nothing lost."""
    now = rt.clock.now()
    with rt.uow(write=True) as uow:
        _require_vendor(uow, brand, vendor)
        found = uow.webhooks.get(brand, vendor)
        if found is None:
            raise NotFoundError(f"vendor '{vendor}' of brand '{brand}' has no webhook")
        resumed = replace(
            found, status=EndpointStatus.ACTIVE, failures=0, next_attempt_at=None, updated_at=now
        )
        uow.webhooks.put(resumed)
        uow.commit()
    return resumed


def delivery_log(rt: Runtime, brand: str, vendor: str, limit: int = 50) -> list[DeliveryAttempt]:
    with rt.uow() as uow:
        _require_vendor(uow, brand, vendor)
        return uow.webhooks.deliveries(brand, vendor, limit)


def vendor_status(rt: Runtime, brand: str | None = None, vendor: str | None = None) -> list[VendorFeedStatus]:
    """Each vendor's acknowledged cursor and its lag behind the brand's feed (in events and seconds)."""
    now = rt.clock.now()
    out = []
    with rt.uow() as uow:
        brands = [require_brand(uow, brand).id] if brand is not None else [b.id for b in uow.brands.list()]
        for name in brands:
            head = uow.feed.head(name)
            endpoints = {e.vendor: e for e in uow.webhooks.endpoints(name)}
            for v in uow.vendors.list(name):
                if vendor is not None and v.id != vendor:
                    continue
                ep = endpoints.get(v.id)
                if ep is None:
                    out.append(
                        VendorFeedStatus(
                            name, v.id, None, "none", None, head, None, None, 0, None, None, None
                        )
                    )
                    continue
                lag = max(0, head - ep.cursor)
                oldest = uow.feed.occurred_at(name, ep.cursor + 1) if lag else None
                out.append(
                    VendorFeedStatus(
                        brand=name,
                        vendor=v.id,
                        url=ep.url,
                        status=str(ep.status),
                        acknowledged=ep.cursor,
                        head=head,
                        lag_events=lag,
                        lag_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
                        failures=ep.failures,
                        next_attempt_at=ep.next_attempt_at,
                        last_delivered_at=ep.last_delivered_at,
                        last_error=ep.last_error,
                    )
                )
    return out
