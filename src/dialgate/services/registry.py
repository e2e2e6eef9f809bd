"""National registers: import a snapshot (atomically switched in), list what is in force.

Registers are shared by every brand: writing one (`registry:write`) is an operator's right, since a
snapshot of US-DNC answers the checks of every brand that calls the US.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dialgate.domain.numbers import clean_region
from dialgate.domain.registry import (
    RegisterFormat,
    RegisterSource,
    SnapshotInfo,
    SnapshotRecord,
    check_register_name,
    days_left,
    known_register,
    max_age_days,
)
from dialgate.domain.vocabulary import parse_enum
from dialgate.errors import InputError, StoreError
from dialgate.services.runtime import Runtime


@dataclass(frozen=True)
class SnapshotRequest:
    """What `registry import` and the upload endpoint ask for, as given."""

    name: str
    path: Path
    format: str = "lines"
    as_of: date | None = None
    region: str | None = None
    column: str | None = None
    listing_date_column: str | None = None
    change_list: bool = False
    source_name: str | None = None
    encoding: str = "utf-8"


@dataclass(frozen=True)
class ImportedSnapshot:
    record: SnapshotRecord
    previous_id: str | None
    added: int | None = None
    removed: int | None = None


def resolve_source(request: SnapshotRequest) -> RegisterSource:
    """Check the request's flags against each other and fill in the register's defaults."""
    name = check_register_name(request.name)
    fmt = parse_enum(RegisterFormat, request.format, "format")
    if fmt is RegisterFormat.IYS:
        raise InputError("--format iys feeds the consent ledger: it needs --brand").at(field="format")
    known = known_register(name)
    region = clean_region(request.region) or (known.country if known else None)
    if request.column is not None and fmt is not RegisterFormat.CSV:
        raise InputError("--column applies to --format csv only").at(field="column")
    if request.listing_date_column is not None and fmt is not RegisterFormat.CSV:
        raise InputError("--listing-date-column applies to --format csv only").at(field="listing_date_column")
    if request.change_list and fmt is not RegisterFormat.FTC:
        raise InputError("--change-list applies to --format ftc only").at(field="change_list")
    if fmt in (RegisterFormat.TPS, RegisterFormat.FTC) and region is None:
        region = "GB" if fmt is RegisterFormat.TPS else "US"
    return RegisterSource(
        name=name,
        path=request.path,
        source_name=request.source_name or str(request.path),
        format=fmt,
        region=region,
        column=request.column,
        listing_date_column=request.listing_date_column,
        change_list=request.change_list,
        encoding=request.encoding,
    )


def import_snapshot(rt: Runtime, request: SnapshotRequest) -> ImportedSnapshot:
    """Compile the file into a new snapshot and switch to it; on any failure nothing changes."""
    source = resolve_source(request)
    files = rt.register_files
    if files is None:
        raise StoreError("this runtime has no register file area (no data directory)")
    today = rt.clock.now().date()
    as_of = request.as_of or today
    if as_of > today:
        raise InputError(f"--as-of {as_of} is in the future (today is {today})").at(field="as_of")
    with files.lock(source.name):
        with rt.uow() as uow:
            base = uow.registers.current(source.name)
        snapshot_id = rt.ids.new_id()
        compiled = files.compile(
            source, snapshot_id, base.index_path if source.change_list and base else None
        )
        record = SnapshotRecord(
            info=SnapshotInfo(
                name=source.name,
                snapshot_id=snapshot_id,
                as_of=as_of,
                count=compiled.count,
                imported_at=rt.clock.now(),
                has_listing_dates=compiled.has_listing_dates,
            ),
            format=source.format,
            region=source.region,
            source_name=source.source_name,
            source_sha256=compiled.source_sha256,
            index_path=compiled.index_path,
            index_bytes=compiled.index_bytes,
            base_snapshot_id=base.info.snapshot_id if source.change_list and base else None,
        )
        try:
            with rt.uow(write=True) as uow:
                uow.registers.add(record)
                uow.registers.set_current(source.name, snapshot_id, record.info.imported_at)
                uow.commit()
        except BaseException:
            files.discard(compiled.index_path)
            raise
    rt.registers.invalidate(source.name)
    return ImportedSnapshot(
        record=record,
        previous_id=base.info.snapshot_id if base else None,
        added=compiled.added,
        removed=compiled.removed,
    )


@dataclass(frozen=True)
class RegisterStatus:
    """A register in force, as `registry list` shows it."""

    record: SnapshotRecord
    today: date
    max_age_days: int | None
    country: str | None
    description: str | None

    @property
    def age_days(self) -> int:
        return self.record.info.age_days(self.today)

    @property
    def days_left(self) -> int | None:
        return days_left(self.record.info, self.today, self.max_age_days)

    @property
    def stale(self) -> bool:
        left = self.days_left
        return left is not None and left < 0

    def to_dict(self) -> dict[str, object]:
        info = self.record.info
        return {
            "name": info.name,
            "snapshot_id": info.snapshot_id,
            "as_of": info.as_of.isoformat(),
            "count": info.count,
            "age_days": self.age_days,
            "max_age_days": self.max_age_days,
            "days_left": self.days_left,
            "stale": self.stale,
            "has_listing_dates": info.has_listing_dates,
            "imported_at": info.imported_at.isoformat().replace("+00:00", "Z"),
            "format": str(self.record.format),
            "region": self.record.region,
            "source_name": self.record.source_name,
            "source_sha256": self.record.source_sha256,
            "index_bytes": self.record.index_bytes,
            "country": self.country,
            "description": self.description,
        }


def list_registers(rt: Runtime) -> list[RegisterStatus]:
    today = rt.clock.now().date()
    with rt.uow() as uow:
        records = uow.registers.current_all()
    out = []
    for record in records:
        known = known_register(record.info.name)
        out.append(
            RegisterStatus(
                record=record,
                today=today,
                max_age_days=max_age_days(record.info.name),
                country=known.country if known else record.region,
                description=known.description if known else None,
            )
        )
    return out


def snapshot_history(rt: Runtime, name: str) -> list[SnapshotRecord]:
    with rt.uow() as uow:
        return uow.registers.history(check_register_name(name))
