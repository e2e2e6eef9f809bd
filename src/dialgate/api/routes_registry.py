"""National registers over HTTP: upload a snapshot, list what is in force.

Uploading needs the `registry:write` scope (or `admin`). Registers are shared by every brand, so this
is an operator's right: a key that can write US-DNC changes the answer of every brand's US checks.
Give it to the people who download the national lists, not to a brand's dialer. Listing needs any
valid key. `format=iys` is the exception: it feeds one brand's consent ledger, the key's own brand.
"""

from __future__ import annotations

import contextlib
import secrets
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel

from dialgate.api.auth import _bearer, principal_for, require, runtime
from dialgate.domain.access import Principal, Scope
from dialgate.domain.iys import IYS_COLUMNS
from dialgate.domain.timeutil import parse_date
from dialgate.errors import InputError
from dialgate.services import iys, registry
from dialgate.services.runtime import Runtime

router = APIRouter(prefix="/v1")
Rt = Annotated[Runtime, Depends(runtime)]


def any_key(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> Principal:
    return principal_for(request, f"Bearer {credentials.credentials}" if credentials else None)


class SnapshotPublic(BaseModel):
    name: str
    snapshot_id: str
    as_of: str
    count: int
    imported_at: str
    format: str
    region: str | None
    source_name: str
    source_sha256: str
    index_bytes: int
    has_listing_dates: bool
    previous_snapshot_id: str | None
    added: int | None = None
    removed: int | None = None


class IysImportPublic(BaseModel):
    brand: str
    accepted: int
    skipped_email: int
    skipped_duplicate: int
    rows: int


class RegisterPublic(BaseModel):
    name: str
    snapshot_id: str
    as_of: str
    count: int
    age_days: int
    max_age_days: int | None
    days_left: int | None
    stale: bool
    has_listing_dates: bool
    imported_at: str
    format: str
    region: str | None
    source_name: str
    source_sha256: str
    index_bytes: int
    country: str | None
    description: str | None


@router.post(
    "/registries/{name}/snapshots",
    status_code=201,
    response_model=SnapshotPublic | IysImportPublic,
    tags=["registers"],
)
def upload_snapshot(
    name: str,
    request: Request,
    rt: Rt,
    who: Annotated[Principal, Depends(require(Scope.REGISTRY_WRITE))],
    file: Annotated[UploadFile, File(description="The register file.")],
    format: Annotated[str, Form(description="lines, csv, tps, ftc or iys")] = "lines",
    as_of: Annotated[str | None, Form(description="The snapshot's date, YYYY-MM-DD (default today).")] = None,
    region: Annotated[str | None, Form(description="Country of national-format numbers.")] = None,
    column: Annotated[str | None, Form(description="csv: the number column.")] = None,
    listing_date_column: Annotated[str | None, Form(description="csv: the listing-date column.")] = None,
    change_list: Annotated[bool, Form(description="ftc: a change list for the current snapshot.")] = False,
    brand: Annotated[str | None, Form(description="iys: the brand (default: the key's).")] = None,
    encoding: Annotated[str, Form(description="csv: text encoding.")] = "utf-8",
) -> dict[str, object]:
    """Load an uploaded register file as the register's new snapshot (all or nothing)."""
    upload_dir = request.app.state.container.settings.data_dir / "uploads"
    upload_dir.mkdir(parents=True, exist_ok=True)
    temp = upload_dir / f"upload-{secrets.token_hex(8)}"
    source_name = Path(file.filename or "upload").name
    try:
        with temp.open("wb") as out:
            while chunk := file.file.read(1 << 20):
                out.write(chunk)
        if format.strip().lower() == "iys":
            owner = brand or who.brand
            who.require_brand(owner)
            report = iys.import_iys(rt, lambda: _iys_rows(temp, source_name), brand=owner, file=source_name)
            return {"brand": owner, **report.to_dict()}
        if brand is not None:
            raise InputError("brand applies to format iys only: registers are shared by every brand").at(
                field="brand"
            )
        result = registry.import_snapshot(
            rt,
            registry.SnapshotRequest(
                name=name,
                path=temp,
                format=format,
                as_of=parse_date(as_of, "as_of") if as_of else None,
                region=region,
                column=column,
                listing_date_column=listing_date_column,
                change_list=change_list,
                source_name=source_name,
                encoding=encoding,
            ),
        )
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    info = result.record.info
    return {
        "name": info.name,
        "snapshot_id": info.snapshot_id,
        "as_of": info.as_of.isoformat(),
        "count": info.count,
        "imported_at": info.imported_at.isoformat().replace("+00:00", "Z"),
        "format": str(result.record.format),
        "region": result.record.region,
        "source_name": result.record.source_name,
        "source_sha256": result.record.source_sha256,
        "index_bytes": result.record.index_bytes,
        "has_listing_dates": info.has_listing_dates,
        "previous_snapshot_id": result.previous_id,
        "added": result.added,
        "removed": result.removed,
    }


def _iys_rows(path: Path, file: str):  # type: ignore[no-untyped-def]
    from dialgate.adapters.registers.formats import iys_rows

    return iys_rows(path, file, IYS_COLUMNS)


@router.get("/registries", response_model=list[RegisterPublic], tags=["registers"])
def list_registries(rt: Rt, who: Annotated[Principal, Depends(any_key)]) -> list[dict[str, object]]:
    """Registers in force: as-of date, count, age, and days left before each is stale."""
    return [s.to_dict() for s in registry.list_registers(rt)]
