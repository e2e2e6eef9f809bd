"""Consents, evidence, the internal do-not-call list and call attempts."""

from __future__ import annotations

from pathlib import Path
from tempfile import NamedTemporaryFile
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import FileResponse

from dialgate.api.auth import require, runtime
from dialgate.api.schemas import (
    AttemptCreate,
    AttemptPublic,
    ConsentCreate,
    ConsentEventPublic,
    ConsentStatePublic,
    DncCreate,
    DncPublic,
    EvidencePublic,
)
from dialgate.domain.access import Principal, Scope
from dialgate.domain.timeutil import format_instant
from dialgate.domain.vocabulary import Outcome, Source
from dialgate.errors import NotFoundError, PermissionDeniedError
from dialgate.services import attempts, consent, dnc
from dialgate.services.runtime import Runtime

router = APIRouter(prefix="/v1")
Rt = Annotated[Runtime, Depends(runtime)]


def _brand(who: Principal, brand: str | None) -> str:
    if brand is not None:
        who.require_brand(brand)
    return who.brand


@router.post("/consents", status_code=201, response_model=ConsentEventPublic, tags=["consent"])
def create_consent(
    body: ConsentCreate, rt: Rt, who: Annotated[Principal, Depends(require(Scope.CONSENT_WRITE))]
) -> dict[str, object]:
    """Append one consent event to the brand's ledger; answers with its seq and hashes."""
    fields = body.model_dump()
    fields["brand"] = _brand(who, body.brand)
    if who.vendor is not None:
        fields["actor_vendor"] = fields.get("actor_vendor") or who.vendor
    draft = consent.draft_from_fields(rt, fields, default_source=Source.API)
    return consent.record_consent(rt, draft).to_dict()


@router.get("/consents/{number}", response_model=ConsentStatePublic, tags=["consent"])
def get_consent(
    number: str,
    rt: Rt,
    who: Annotated[Principal, Depends(require(Scope.CONSENT_READ))],
    brand: str | None = None,
    region: str | None = None,
) -> dict[str, object]:
    """Current state per channel and purpose, and the full history of one number."""
    return consent.show_consent(rt, _brand(who, brand), number, region).to_dict()


@router.post("/evidence", status_code=201, response_model=EvidencePublic, tags=["consent"])
def upload_evidence(
    rt: Rt, who: Annotated[Principal, Depends(require(Scope.CONSENT_WRITE))], file: UploadFile = File(...)
) -> dict[str, str]:
    """Store a file content-addressed; use its `sha256` as a consent's `evidence_sha256`."""
    with NamedTemporaryFile() as tmp:
        while chunk := file.file.read(1 << 20):
            tmp.write(chunk)
        tmp.flush()
        return {"sha256": rt.evidence.put_file(Path(tmp.name))}


@router.get("/evidence/{sha256}", tags=["consent"], response_class=FileResponse)
def download_evidence(
    sha256: str, rt: Rt, who: Annotated[Principal, Depends(require(Scope.CONSENT_READ))]
) -> FileResponse:
    path = rt.evidence.path_of(sha256.lower())
    if path is None:
        raise NotFoundError(f"no evidence with SHA-256 {sha256}")
    return FileResponse(path, media_type="application/octet-stream", filename=sha256)


@router.post("/dnc", status_code=201, response_model=DncPublic, tags=["do-not-call"])
def add_dnc(
    body: DncCreate, rt: Rt, who: Annotated[Principal, Depends(require(Scope.CONSENT_WRITE))]
) -> dict[str, object]:
    brand = _brand(who, body.brand)
    entry, created = dnc.add_dnc(
        rt, brand, body.number, reason=body.reason, region=body.region, actor=f"key:{who.key_id}"
    )
    return {"brand": brand, "number": entry.number, "listed": True, "changed": created}


@router.delete("/dnc/{number}", response_model=DncPublic, tags=["do-not-call"])
def remove_dnc(
    number: str,
    rt: Rt,
    who: Annotated[Principal, Depends(require(Scope.CONSENT_WRITE))],
    brand: str | None = None,
    region: str | None = None,
    reason: Annotated[str | None, Query()] = None,
) -> dict[str, object]:
    owner = _brand(who, brand)
    removed = dnc.remove_dnc(rt, owner, number, reason=reason, region=region, actor=f"key:{who.key_id}")
    from dialgate.domain.numbers import parse_number

    return {"brand": owner, "number": parse_number(number, region).e164, "listed": False, "changed": removed}


@router.post("/attempts", status_code=201, response_model=AttemptPublic, tags=["attempts"])
def create_attempt(
    body: AttemptCreate, rt: Rt, who: Annotated[Principal, Depends(require(Scope.CHECK))]
) -> dict[str, object]:
    """Record a call that happened. `refused` records an opt-out at once."""
    if who.vendor is not None and body.vendor not in (None, who.vendor):
        raise PermissionDeniedError(f"this key belongs to vendor '{who.vendor}'")
    data = attempts.AttemptInput(
        body.number,
        body.campaign,
        body.at,
        body.outcome,
        body.vendor or who.vendor,
        body.caller_id,
        body.region,
    )
    a = attempts.record_attempt(rt, data, brand=who.brand)
    return {
        "number": a.number,
        "campaign": a.campaign,
        "brand": a.brand,
        "at": format_instant(a.at),
        "outcome": str(a.outcome),
        "vendor": a.vendor,
        "opt_out_recorded": a.outcome is Outcome.REFUSED,
    }
