"""What leaves dialgate about requests: the regulator export (CSV/JSON) and an access request's file."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import orjson

from dialgate.domain.requests import ConsumerRequest, RequestKind
from dialgate.domain.timeutil import format_instant
from dialgate.domain.vocabulary import parse_enum
from dialgate.errors import StoreError
from dialgate.services.brands import require_brand
from dialgate.services.ports import RequestFilter, UnitOfWork
from dialgate.services.runtime import Runtime

REGULATOR_FIELDS = (
    "protocol", "request_id", "kind", "status", "received_at", "via", "number_called", "caller_id_shown",
    "called_at", "company", "brand", "campaign", "vendor", "description", "jurisdiction", "due_at",
    "closed_at", "closed_in_time", "resolution",
)  # fmt: skip


def regulator_rows(
    rt: Runtime,
    brand: str,
    *,
    kind: str | None = "complaint",
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """What a regulator's complaint form asks for, one row per request (complaints by default)."""
    with rt.uow() as uow:
        company = require_brand(uow, brand).name
        found = uow.requests.find(
            RequestFilter(
                brand=brand,
                kind=parse_enum(RequestKind, kind, "kind") if kind else None,
                received_from=since,
                received_until=until,
            )
        )

    def instant(value: datetime | None) -> str | None:
        return format_instant(value) if value else None

    return [
        {
            "protocol": r.protocol,
            "request_id": r.id,
            "kind": str(r.kind),
            "status": str(r.status),
            "received_at": instant(r.received_at),
            "via": str(r.via),
            "number_called": r.number,
            "caller_id_shown": r.caller_id,
            "called_at": instant(r.called_at),
            "company": company,
            "brand": r.brand,
            "campaign": r.campaign,
            "vendor": r.vendor,
            "description": r.text,
            "jurisdiction": r.jurisdiction,
            "due_at": instant(r.due_at),
            "closed_at": instant(r.closed_at),
            "closed_in_time": r.closed_in_time,
            "resolution": r.resolution,
        }
        for r in found
    ]


def regulator_csv(rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=REGULATOR_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row[k] is None else row[k] for k in REGULATOR_FIELDS})
    return out.getvalue()


def write_access_export(
    uow: UnitOfWork, rt: Runtime, request: ConsumerRequest, now: datetime
) -> tuple[str, str]:
    """Everything held on the number for the brand, read in the caller's transaction, as one JSON file.
    Returns the file's path (relative to the data directory) and its SHA-256."""
    if rt.exports is None:
        raise StoreError("no export store is configured; access requests cannot be answered")
    brand, number = request.brand, request.number
    requests = uow.requests.find(RequestFilter(brand=brand, number=number))
    listed = uow.dnc.get(brand, number)
    document = {
        "format": "dialgate-access-export-v1",
        "brand": brand,
        "number": number,
        "request": {"id": request.id, "protocol": request.protocol},
        "generated_at": format_instant(now),
        "consent_history": [e.to_dict() for e in uow.consents.for_number(brand, number)],
        "do_not_call": {
            "listed": [
                {"number": e.number, "reason": e.reason, "added_at": format_instant(e.added_at)}
                for e in ([listed] if listed else [])
            ],
            "log": [
                {
                    "action": e.action,
                    "reason": e.reason,
                    "actor": e.actor,
                    "at": format_instant(e.at),
                }
                for e in uow.dnc.log(brand, number)
            ],
        },
        "call_attempts": [
            {
                "id": r.id,
                "campaign": r.attempt.campaign,
                "purpose": str(r.attempt.purpose),
                "at": format_instant(r.attempt.at),
                "outcome": str(r.attempt.outcome),
                "vendor": r.attempt.vendor,
                "caller_id": r.attempt.caller_id,
                "recorded_at": format_instant(r.recorded_at),
            }
            for r in uow.attempts.recorded(brand, number)
        ],
        "requests": [
            r.to_dict() | {"events": [e.to_dict() for e in uow.requests.events(r.id)]} for r in requests
        ],
    }
    stored = rt.exports.write(
        f"{brand}/access-{request.id}.json", orjson.dumps(document, option=orjson.OPT_INDENT_2)
    )
    return stored.path, stored.sha256
