"""Consumer requests over HTTP (scope `requests`). A key sees only its brand's requests; a vendor's key
only the requests recorded for that vendor."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, Response

from dialgate.api.auth import require, runtime
from dialgate.api.schemas_requests import (
    RequestClose,
    RequestCreate,
    RequestList,
    RequestPublic,
    ResolutionIndexList,
)
from dialgate.domain.access import Principal, Scope
from dialgate.domain.requests import ConsumerRequest
from dialgate.domain.timeutil import parse_instant
from dialgate.errors import NotFoundError, PermissionDeniedError
from dialgate.services import request_exports, requests
from dialgate.services.runtime import Runtime

router = APIRouter(prefix="/v1/requests", tags=["requests"])
Rt = Annotated[Runtime, Depends(runtime)]
Who = Annotated[Principal, Depends(require(Scope.REQUESTS))]


def _brand(who: Principal, brand: str | None) -> str:
    if brand is not None:
        who.require_brand(brand)
    return who.brand


def _visible(who: Principal, request: ConsumerRequest) -> ConsumerRequest:
    if who.vendor is not None and request.vendor != who.vendor:
        raise NotFoundError("no such request for this key")
    return request


def _instant(text: str | None, field: str) -> datetime | None:
    return parse_instant(text, field) if text else None


@router.post("", status_code=201, response_model=RequestPublic)
def open_request(body: RequestCreate, rt: Rt, who: Who) -> dict[str, Any]:
    """Open a request. An opt-out is applied and closed at once; a cancellation ends the contract basis;
    an access request writes an export of everything held on the number. Answers with the protocol."""
    if who.vendor is not None and body.vendor not in (None, who.vendor):
        raise PermissionDeniedError(f"this key belongs to vendor '{who.vendor}'")
    created = requests.open_request(
        rt,
        requests.RequestInput(
            brand=_brand(who, body.brand),
            kind=body.kind,
            number=body.number,
            via=body.via,
            text=body.text,
            region=body.region,
            caller_id=body.caller_id,
            called_at=body.called_at,
            campaign=body.campaign,
            vendor=body.vendor or who.vendor,
            actor=f"key:{who.key_id}",
        ),
    )
    return created.to_dict(rt.clock.now())


@router.get("", response_model=RequestList)
def list_requests(
    rt: Rt,
    who: Who,
    overdue: bool = False,
    status: str | None = None,
    kind: str | None = None,
    number: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> dict[str, Any]:
    found = requests.list_requests(
        rt,
        brand=who.brand,
        overdue=overdue,
        status=status,
        kind=kind,
        number=number,
        vendor=who.vendor,
        limit=limit,
    )
    now = rt.clock.now()
    return {"requests": [r.to_dict(now) for r in found]}


@router.get("/stats", response_model=ResolutionIndexList)
def stats(rt: Rt, who: Who, since: str | None = None, until: str | None = None) -> dict[str, Any]:
    """The resolution index: share of requests closed by their deadline, per kind and in total."""
    index = requests.resolution_stats(
        rt, who.brand, since=_instant(since, "since"), until=_instant(until, "until")
    )
    return {"index": [i.to_dict() for i in index]}


@router.get("/export", response_class=Response)
def regulator_export(
    rt: Rt,
    who: Who,
    format: Literal["csv", "json"] = "csv",
    kind: str = "complaint",
    since: str | None = None,
    until: str | None = None,
) -> Response:
    """Requests with the fields a regulator's complaint form asks for, as CSV or JSON."""
    rows = request_exports.regulator_rows(
        rt,
        who.brand,
        kind=None if kind == "all" else kind,
        since=_instant(since, "since"),
        until=_instant(until, "until"),
    )
    if format == "json":
        return Response(orjson.dumps(rows), media_type="application/json")
    return Response(
        request_exports.regulator_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{who.brand}-requests.csv"'},
    )


@router.get("/{request_id}", response_model=RequestPublic)
def show_request(request_id: str, rt: Rt, who: Who) -> dict[str, Any]:
    """One request (by id or protocol number) with its audit trail."""
    view = requests.show_request(rt, request_id, brand=who.brand)
    _visible(who, view.request)
    return view.to_dict(rt.clock.now())


@router.post("/{request_id}/close", response_model=RequestPublic)
def close_request(request_id: str, body: RequestClose, rt: Rt, who: Who) -> dict[str, Any]:
    _visible(who, requests.show_request(rt, request_id, brand=who.brand).request)
    closed = requests.close_request(
        rt, request_id, body.resolution, brand=who.brand, actor=f"key:{who.key_id}"
    )
    return closed.to_dict(rt.clock.now())


@router.get("/{request_id}/export", response_class=FileResponse)
def download_export(request_id: str, rt: Rt, who: Who) -> FileResponse:
    """The JSON export written for an access request."""
    request, path = requests.export_path(rt, request_id, brand=who.brand)
    _visible(who, request)
    return FileResponse(path, media_type="application/json", filename=f"access-{request.protocol}.json")
