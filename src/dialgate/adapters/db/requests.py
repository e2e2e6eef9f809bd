"""Consumer requests and their audit trail."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from dialgate.adapters.db.tables import ConsumerRequestEventRow, ConsumerRequestRow, table
from dialgate.domain.requests import (
    ConsumerRequest,
    RequestAction,
    RequestChannel,
    RequestEvent,
    RequestKind,
    RequestStatus,
)
from dialgate.services.ports import RequestFilter

_requests, _events = table(ConsumerRequestRow), table(ConsumerRequestEventRow)
_MUTABLE = ("status", "closed_at", "resolution", "closed_by", "export_path", "export_sha256", "ledger_seq")


class SqlRequests:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, request: ConsumerRequest) -> bool:
        try:
            with self._c.begin_nested():
                self._c.execute(insert(_requests).values(**_row(request)))
        except IntegrityError:
            if self.by_protocol(request.protocol, request.brand):
                return False
            raise
        return True

    def get(self, request_id: str) -> ConsumerRequest | None:
        row = self._c.execute(select(_requests).where(_requests.c.id == request_id)).first()
        return _request(row) if row else None

    def by_protocol(self, protocol: str, brand: str | None) -> list[ConsumerRequest]:
        query = select(_requests).where(_requests.c.protocol == protocol)
        if brand is not None:
            query = query.where(_requests.c.brand_id == brand)
        return [_request(r) for r in self._c.execute(query.order_by(_requests.c.brand_id))]

    def save(self, request: ConsumerRequest) -> None:
        values = {name: getattr(request, name) for name in _MUTABLE}
        values["status"] = str(request.status)
        self._c.execute(update(_requests).where(_requests.c.id == request.id).values(**values))

    def find(self, where: RequestFilter) -> list[ConsumerRequest]:
        c = _requests.c
        query = select(_requests)
        if where.brand is not None:
            query = query.where(c.brand_id == where.brand)
        if where.status is not None:
            query = query.where(c.status == str(where.status))
        if where.kind is not None:
            query = query.where(c.kind == str(where.kind))
        if where.number is not None:
            query = query.where(c.number == where.number)
        if where.vendor is not None:
            query = query.where(c.vendor == where.vendor)
        if where.overdue_at is not None:
            query = query.where((c.status == str(RequestStatus.OPEN)) & (c.due_at < where.overdue_at))
        if where.received_from is not None:
            query = query.where(c.received_at >= where.received_from)
        if where.received_until is not None:
            query = query.where(c.received_at < where.received_until)
        query = query.order_by(c.received_at, c.id)
        if where.limit is not None:
            query = query.limit(where.limit)
        return [_request(r) for r in self._c.execute(query)]

    def add_event(self, event: RequestEvent) -> None:
        self._c.execute(
            insert(_events).values(
                request_id=event.request_id,
                at=event.at,
                action=str(event.action),
                actor=event.actor,
                detail=event.detail,
            )
        )

    def events(self, request_id: str) -> list[RequestEvent]:
        rows = self._c.execute(
            select(_events).where(_events.c.request_id == request_id).order_by(_events.c.id)
        )
        return [RequestEvent(r.request_id, r.at, RequestAction(r.action), r.actor, r.detail) for r in rows]


def _row(r: ConsumerRequest) -> dict[str, Any]:
    return {
        "id": r.id,
        "brand_id": r.brand,
        "protocol": r.protocol,
        "kind": str(r.kind),
        "via": str(r.via),
        "status": str(r.status),
        "number": r.number,
        "number_valid": r.number_valid,
        "jurisdiction": r.jurisdiction,
        "received_at": r.received_at,
        "due_at": r.due_at,
        "due_rule": r.due_rule,
        "due_law": r.due_law,
        "ceiling_at": r.ceiling_at,
        "ceiling_law": r.ceiling_law,
        "text": r.text,
        "caller_id": r.caller_id,
        "called_at": r.called_at,
        "campaign": r.campaign,
        "vendor": r.vendor,
        "attempt_id": r.attempt_id,
        "ledger_seq": r.ledger_seq,
        "export_path": r.export_path,
        "export_sha256": r.export_sha256,
        "opened_by": r.opened_by,
        "closed_at": r.closed_at,
        "resolution": r.resolution,
        "closed_by": r.closed_by,
    }


def _request(r: Any) -> ConsumerRequest:
    return ConsumerRequest(
        id=r.id,
        brand=r.brand_id,
        protocol=r.protocol,
        kind=RequestKind(r.kind),
        via=RequestChannel(r.via),
        status=RequestStatus(r.status),
        number=r.number,
        number_valid=r.number_valid,
        jurisdiction=r.jurisdiction,
        received_at=r.received_at,
        due_at=r.due_at,
        due_rule=r.due_rule,
        due_law=r.due_law,
        ceiling_at=r.ceiling_at,
        ceiling_law=r.ceiling_law,
        text=r.text,
        caller_id=r.caller_id,
        called_at=r.called_at,
        campaign=r.campaign,
        vendor=r.vendor,
        attempt_id=r.attempt_id,
        ledger_seq=r.ledger_seq,
        export_path=r.export_path,
        export_sha256=r.export_sha256,
        opened_by=r.opened_by,
        closed_at=r.closed_at,
        resolution=r.resolution,
        closed_by=r.closed_by,
    )
