"""An in-memory RegisterStore: the fake that ships with the package (tests, demos, small private lists)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dialgate.domain.registry import NO_DATE, RegisterHits, SnapshotInfo


@dataclass(frozen=True)
class MemorySnapshot:
    info: SnapshotInfo
    keys: npt.NDArray[np.uint64]  # sorted, unique
    listed_on: npt.NDArray[np.int32]

    @classmethod
    def of(cls, info: SnapshotInfo, numbers: Iterable[tuple[int, int]]) -> MemorySnapshot:
        pairs = sorted(dict(numbers).items())
        keys = np.array([k for k, _ in pairs], dtype=np.uint64)
        listed = np.array([d for _, d in pairs], dtype=np.int32)
        return cls(info, keys, listed)

    def lookup(self, keys: npt.NDArray[np.uint64]) -> RegisterHits:
        if self.keys.size == 0:
            return RegisterHits(np.zeros(keys.size, bool), np.full(keys.size, NO_DATE, np.int32))
        pos = np.searchsorted(self.keys, keys)
        pos = np.minimum(pos, self.keys.size - 1)
        member = self.keys[pos] == keys
        listed = np.where(member, self.listed_on[pos], NO_DATE).astype(np.int32)
        return RegisterHits(member, listed)

    def lookup_one(self, key: int) -> tuple[bool, int]:
        hits = self.lookup(np.array([key], np.uint64))
        return bool(hits.member[0]), int(hits.listed_on[0])


class MemoryRegisterStore:
    def __init__(self) -> None:
        self._current: dict[str, MemorySnapshot] = {}

    def put(self, snapshot: MemorySnapshot) -> None:
        self._current[snapshot.info.name] = snapshot

    def current(self, name: str) -> MemorySnapshot | None:
        return self._current.get(name)

    def names(self) -> list[str]:
        return sorted(self._current)

    def invalidate(self, name: str | None = None) -> None:
        """Nothing to re-read: snapshots put here are current at once."""
