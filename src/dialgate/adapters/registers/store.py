"""The RegisterStore the decision engine reads: snapshots in force, opened once per process.

`current(name)` is on the hot path of every check, so it answers from a per-process cache. The cache
learns of a switch made by another process (an import from the CLI while the server runs) by reading
the small pointer table (`register_current`: one row per register) at most once every
`refresh_seconds` (default 0.5 s): a check that starts after an import has committed sees the new
snapshot within that delay, and within no delay in the process that imported it (`invalidate`).
A snapshot object never changes: a caller holding one answers a whole batch from it, even if a newer
snapshot is switched in meanwhile; its memory map closes when the last holder lets go.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from dialgate.adapters.registers.index import IndexFile
from dialgate.domain.registry import RegisterHits, SnapshotInfo, SnapshotRecord
from dialgate.services.ports import RegisterSnapshot, UnitOfWorkFactory


class MappedSnapshot:
    """One snapshot, answering from its memory-mapped index file."""

    def __init__(self, record: SnapshotRecord, index: IndexFile) -> None:
        self.record = record
        self._index = index

    @property
    def info(self) -> SnapshotInfo:
        return self.record.info

    @property
    def index_bytes(self) -> int:
        return self._index.bytes

    def lookup(self, keys: npt.NDArray[np.uint64]) -> RegisterHits:
        return self._index.lookup(keys)

    def lookup_one(self, key: int) -> tuple[bool, int]:
        return self._index.lookup_one(key)


class FileRegisterStore:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        open_index: Callable[[str], IndexFile],
        *,
        refresh_seconds: float = 0.5,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._uow = uow
        self._open_index = open_index
        self._refresh = refresh_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._ids: dict[str, str] = {}
        self._checked_at: float | None = None
        self._open: dict[str, MappedSnapshot] = {}

    def current(self, name: str) -> RegisterSnapshot | None:
        ids = self._current_ids()
        wanted = ids.get(name)
        if wanted is None:
            return None
        held = self._open.get(name)
        if held is not None and held.info.snapshot_id == wanted:
            return held
        return self._load(name, wanted)

    def names(self) -> list[str]:
        return sorted(self._current_ids())

    def invalidate(self, name: str | None = None) -> None:  # noqa: ARG002 - one pointer read refreshes all
        with self._lock:
            self._checked_at = None

    def _current_ids(self) -> dict[str, str]:
        now = self._monotonic()
        checked = self._checked_at
        if checked is not None and now - checked < self._refresh:
            return self._ids
        with self._lock:
            if self._checked_at is None or now - self._checked_at >= self._refresh:
                with self._uow() as uow:
                    self._ids = uow.registers.current_ids()
                self._checked_at = now
            return self._ids

    def _load(self, name: str, snapshot_id: str) -> MappedSnapshot | None:
        with self._lock:
            held = self._open.get(name)
            if held is not None and held.info.snapshot_id == snapshot_id:
                return held
            with self._uow() as uow:
                record = uow.registers.get(snapshot_id)
            if record is None:
                return None
            snapshot = MappedSnapshot(record, self._open_index(record.index_path))
            self._open[name] = snapshot
            return snapshot
