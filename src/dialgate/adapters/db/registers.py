"""Register snapshot metadata and the pointer to the snapshot in force."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from dialgate.adapters.db.tables import RegisterCurrentRow, RegisterSnapshotRow, table
from dialgate.domain.registry import RegisterFormat, SnapshotInfo, SnapshotRecord

_snapshots, _current = table(RegisterSnapshotRow), table(RegisterCurrentRow)


class SqlRegisters:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, record: SnapshotRecord) -> None:
        info = record.info
        self._c.execute(
            insert(_snapshots).values(
                id=info.snapshot_id,
                name=info.name,
                as_of=info.as_of,
                count=info.count,
                imported_at=info.imported_at,
                format=str(record.format),
                region=record.region,
                source_name=record.source_name[:500],
                source_sha256=record.source_sha256,
                index_path=record.index_path,
                index_bytes=record.index_bytes,
                has_listing_dates=info.has_listing_dates,
                base_snapshot_id=record.base_snapshot_id,
            )
        )

    def set_current(self, name: str, snapshot_id: str, at: datetime) -> None:
        moved = self._c.execute(
            update(_current).where(_current.c.name == name).values(snapshot_id=snapshot_id, switched_at=at)
        )
        if moved.rowcount == 0:
            self._c.execute(insert(_current).values(name=name, snapshot_id=snapshot_id, switched_at=at))

    def current(self, name: str) -> SnapshotRecord | None:
        row = self._c.execute(
            select(_snapshots)
            .join(_current, _current.c.snapshot_id == _snapshots.c.id)
            .where(_current.c.name == name)
        ).first()
        return _record(row) if row else None

    def current_all(self) -> list[SnapshotRecord]:
        rows = self._c.execute(
            select(_snapshots)
            .join(_current, _current.c.snapshot_id == _snapshots.c.id)
            .order_by(_current.c.name)
        )
        return [_record(r) for r in rows]

    def current_ids(self) -> dict[str, str]:
        return {
            r.name: r.snapshot_id for r in self._c.execute(select(_current.c.name, _current.c.snapshot_id))
        }

    def get(self, snapshot_id: str) -> SnapshotRecord | None:
        row = self._c.execute(select(_snapshots).where(_snapshots.c.id == snapshot_id)).first()
        return _record(row) if row else None

    def history(self, name: str) -> list[SnapshotRecord]:
        rows = self._c.execute(
            select(_snapshots)
            .where(_snapshots.c.name == name)
            .order_by(_snapshots.c.imported_at, _snapshots.c.id)
        )
        return [_record(r) for r in rows]


def _record(row: Any) -> SnapshotRecord:
    return SnapshotRecord(
        info=SnapshotInfo(
            name=row.name,
            snapshot_id=row.id,
            as_of=row.as_of,
            count=int(row.count),
            imported_at=row.imported_at,
            has_listing_dates=bool(row.has_listing_dates),
        ),
        format=RegisterFormat(row.format),
        region=row.region,
        source_name=row.source_name,
        source_sha256=row.source_sha256,
        index_path=row.index_path,
        index_bytes=int(row.index_bytes),
        base_snapshot_id=row.base_snapshot_id,
    )
