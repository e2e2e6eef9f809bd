"""Vendor webhook endpoints and their delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from dialgate.adapters.db.tables import WebhookDeliveryRow, WebhookEndpointRow, table
from dialgate.domain.webhooks import DeliveryAttempt, DeliveryOutcome, EndpointStatus, WebhookEndpoint

_endpoints, _deliveries = table(WebhookEndpointRow), table(WebhookDeliveryRow)


def _key(brand: str, vendor: str) -> Any:
    return (_endpoints.c.brand_id == brand) & (_endpoints.c.vendor_id == vendor)


class SqlWebhooks:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def get(self, brand: str, vendor: str) -> WebhookEndpoint | None:
        row = self._c.execute(select(_endpoints).where(_key(brand, vendor))).first()
        return _endpoint(row) if row else None

    def endpoints(self, brand: str | None = None) -> list[WebhookEndpoint]:
        query = select(_endpoints).order_by(_endpoints.c.brand_id, _endpoints.c.vendor_id)
        if brand is not None:
            query = query.where(_endpoints.c.brand_id == brand)
        return [_endpoint(r) for r in self._c.execute(query)]

    def put(self, e: WebhookEndpoint) -> None:
        values = {
            "url": e.url,
            "secret": e.secret,
            "status": str(e.status),
            "cursor": e.cursor,
            "failures": e.failures,
            "next_attempt_at": e.next_attempt_at,
            "last_error": e.last_error,
            "last_attempt_at": e.last_attempt_at,
            "last_delivered_at": e.last_delivered_at,
            "created_at": e.created_at,
            "updated_at": e.updated_at,
        }
        if self._c.execute(update(_endpoints).where(_key(e.brand, e.vendor)).values(**values)).rowcount == 0:
            self._c.execute(insert(_endpoints).values(brand_id=e.brand, vendor_id=e.vendor, **values))

    def remove(self, brand: str, vendor: str) -> bool:
        return bool(self._c.execute(delete(_endpoints).where(_key(brand, vendor))).rowcount)

    def acknowledge(
        self, brand: str, vendor: str, cursor: int, at: datetime, version: datetime | None = None
    ) -> None:
        key = _key(brand, vendor)
        if version is not None:
            key = key & (_endpoints.c.updated_at == version)
        self._c.execute(update(_endpoints).where(key & (_endpoints.c.cursor < cursor)).values(cursor=cursor))
        self._c.execute(
            update(_endpoints)
            .where(key)
            .values(
                failures=0, next_attempt_at=None, last_error=None, last_attempt_at=at, last_delivered_at=at
            )
        )

    def record_failure(
        self,
        brand: str,
        vendor: str,
        *,
        failures: int,
        next_attempt_at: datetime | None,
        error: str,
        at: datetime,
        dead: bool,
    ) -> None:
        values: dict[str, Any] = {
            "failures": failures,
            "next_attempt_at": next_attempt_at,
            "last_error": error,
            "last_attempt_at": at,
        }
        if dead:
            values["status"] = str(EndpointStatus.DEAD)
        self._c.execute(update(_endpoints).where(_key(brand, vendor)).values(**values))

    def log(self, a: DeliveryAttempt) -> None:
        self._c.execute(
            insert(_deliveries).values(
                brand_id=a.brand,
                vendor_id=a.vendor,
                delivery_id=a.delivery_id,
                first_seq=a.first_seq,
                last_seq=a.last_seq,
                events=a.events,
                attempt=a.attempt,
                at=a.at,
                outcome=str(a.outcome),
                status_code=a.status_code,
                error=a.error,
                duration_ms=a.duration_ms,
            )
        )

    def deliveries(self, brand: str, vendor: str, limit: int) -> list[DeliveryAttempt]:
        rows = self._c.execute(
            select(_deliveries)
            .where((_deliveries.c.brand_id == brand) & (_deliveries.c.vendor_id == vendor))
            .order_by(_deliveries.c.id.desc())
            .limit(limit)
        )
        return [
            DeliveryAttempt(
                brand=r.brand_id,
                vendor=r.vendor_id,
                delivery_id=r.delivery_id,
                first_seq=r.first_seq,
                last_seq=r.last_seq,
                events=r.events,
                attempt=r.attempt,
                at=r.at,
                outcome=DeliveryOutcome(r.outcome),
                status_code=r.status_code,
                error=r.error,
                duration_ms=r.duration_ms,
            )
            for r in rows
        ]


def _endpoint(r: Any) -> WebhookEndpoint:
    return WebhookEndpoint(
        brand=r.brand_id,
        vendor=r.vendor_id,
        url=r.url,
        secret=r.secret,
        status=EndpointStatus(r.status),
        cursor=int(r.cursor),
        failures=r.failures,
        next_attempt_at=r.next_attempt_at,
        last_error=r.last_error,
        last_attempt_at=r.last_attempt_at,
        last_delivered_at=r.last_delivered_at,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )
