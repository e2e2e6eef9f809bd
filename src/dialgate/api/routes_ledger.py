"""Consents, evidence, the internal do-not-call list and call attempts."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from tempfile import NamedTemporaryFile
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
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
from dialgate.domain.consent import ConsentDraft, ConsentEvent
from dialgate.domain.timeutil import format_instant
from dialgate.domain.vocabulary import Outcome, Source
from dialgate.errors import DialgateError, NotFoundError, PermissionDeniedError
from dialgate.services import attempts, consent, dnc
from dialgate.services.runtime import Runtime

router = APIRouter(prefix="/v1")
Rt = Annotated[Runtime, Depends(runtime)]


def _brand(who: Principal, brand: str | None) -> str:
    if brand is not None:
        who.require_brand(brand)
    return who.brand


class GroupCommit:
    """Consent events that arrive together are sealed and committed in one transaction.

    Each request is answered only after the commit that holds its event, so an answered revocation is
    in force for every later check. If a group fails (an unknown brand, say), its events are retried
    one by one, so one bad request never fails its neighbours.
    """

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        self._pending: list[tuple[ConsentDraft, asyncio.Future[ConsentEvent]]] = []
        self._draining = False
        self._task: asyncio.Task[None] | None = None

    async def append(self, draft: ConsentDraft) -> ConsentEvent:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[ConsentEvent] = loop.create_future()
        self._pending.append((draft, future))
        if not self._draining:
            self._draining = True
            self._task = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._pending:
                group, self._pending = self._pending, []
                await asyncio.to_thread(self._write, group)
        finally:
            self._draining = False

    def _write(self, group: list[tuple[ConsentDraft, asyncio.Future[ConsentEvent]]]) -> None:
        try:
            events = consent.record_consents(self._rt, [d for d, _ in group])
        except DialgateError:
            if len(group) == 1:
                self._settle(group[0][1], error=sys.exc_info()[1])
                return
            for item in group:
                self._write([item])
            return
        except Exception as exc:  # answer every waiting request, never leave one hanging
            for _, future in group:
                self._settle(future, error=exc)
            return
        for (_, future), event in zip(group, events, strict=True):
            self._settle(future, result=event)

    @staticmethod
    def _settle(
        future: asyncio.Future[ConsentEvent],
        *,
        result: ConsentEvent | None = None,
        error: BaseException | None = None,
    ) -> None:
        def done() -> None:
            if future.cancelled():
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)  # type: ignore[arg-type]

        future.get_loop().call_soon_threadsafe(done)


@router.post("/consents", status_code=201, response_model=ConsentEventPublic, tags=["consent"])
async def create_consent(
    body: ConsentCreate, request: Request, who: Annotated[Principal, Depends(require(Scope.CONSENT_WRITE))]
) -> dict[str, object]:
    """Append one consent event to the brand's ledger; answers with its seq and hashes (after commit)."""
    rt: Runtime = request.app.state.runtime
    fields = body.model_dump()
    fields["brand"] = _brand(who, body.brand)
    if who.vendor is not None:
        fields["actor_vendor"] = fields.get("actor_vendor") or who.vendor
    draft = consent.draft_from_fields(rt, fields, default_source=Source.API)
    writer: GroupCommit = request.app.state.consent_writer
    return (await writer.append(draft)).to_dict()


@router.get("/consents/{number}", response_model=ConsentStatePublic, tags=["consent"])
def get_consent(
    number: str,
    rt: Rt,
    who: Annotated[Principal, Depends(require(Scope.CONSENT_READ))],
    brand: str | None = None,
    region: str | None = None,
) -> dict[str, object]:
    """Current state per channel and purpose, what a check reads per party called (`calls`), and the
    full history of one number."""
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
