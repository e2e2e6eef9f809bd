"""In-memory fakes of ports that other work implements for real (the register index)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

import numpy as np
import numpy.typing as npt

from dialgate.domain.numbers import e164_key
from dialgate.domain.registry import NO_DATE, RegisterHits, SnapshotInfo


class InMemorySnapshot:
    def __init__(self, name: str, numbers: Iterable[str], as_of: date = date(2026, 11, 1)) -> None:
        keys = np.unique(np.array([e164_key(n) for n in numbers], dtype=np.uint64))
        self.keys = keys
        self.info = SnapshotInfo(
            name=name,
            snapshot_id=f"{name}-{as_of.isoformat()}",
            as_of=as_of,
            count=len(keys),
            imported_at=datetime(2026, 11, 1, tzinfo=UTC),
            has_listing_dates=False,
        )

    def lookup(self, keys: npt.NDArray[np.uint64]) -> RegisterHits:
        member = np.isin(keys, self.keys)
        return RegisterHits(member=member, listed_on=np.full(len(keys), NO_DATE, dtype=np.int32))


class InMemoryRegisterStore:
    def __init__(self, *snapshots: InMemorySnapshot) -> None:
        self.snapshots = {s.info.name: s for s in snapshots}

    def current(self, name: str) -> InMemorySnapshot | None:
        return self.snapshots.get(name)

    def names(self) -> list[str]:
        return sorted(self.snapshots)
