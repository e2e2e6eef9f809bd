"""Register snapshots (ports.RegisterSnapshot) for bench/scrub.py.

- IndexRegister: dialgate's own register index (adapters/registers/index.py), the file `registry import`
  writes, memory-mapped as a server worker maps it. The default: what a deployment scrubs against.
- BitmapRegister: one bit per number of the +1 space (10^10 bits, 1.25 GB) built in memory: a gather
  per probe, the fastest membership known (research/membership-bench.md), for comparison.
- SortedRegister: a sorted uint64 array probed with np.searchsorted after sorting the probes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from dialgate.adapters.registers.index import IndexFile, IndexWriter
from dialgate.domain.registry import NO_DATE, RegisterHits, SnapshotInfo

NANP_BASE = 10_000_000_000  # +1 followed by ten digits


def _info(name: str, count: int) -> SnapshotInfo:
    return SnapshotInfo(
        name, f"{name}-bench", date(2026, 11, 1), count, datetime(2026, 11, 1, tzinfo=UTC), False
    )


def write_index(keys: npt.NDArray[np.uint64], path: Path) -> None:
    """The index file of sorted, distinct keys, written by the writer `registry import` uses."""
    partial = path.with_name(path.name + ".partial")
    writer = IndexWriter(partial, dated=False)
    step = 1 << 22
    for start in range(0, len(keys), step):
        writer.add(keys[start : start + step].astype(np.int64))
    writer.finish()
    partial.replace(path)


class _OneByLookup:
    def lookup(self, keys: npt.NDArray[np.uint64]) -> RegisterHits:
        raise NotImplementedError

    def lookup_one(self, key: int) -> tuple[bool, int]:  # a one-row scrub's
        hits = self.lookup(np.array([key], np.uint64))
        return bool(hits.member[0]), int(hits.listed_on[0])


class IndexRegister(_OneByLookup):
    def __init__(self, name: str, path: Path) -> None:
        self._index = IndexFile(path)
        self.info = _info(name, self._index.count)

    @property
    def nbytes(self) -> int:
        return self._index.bytes

    def lookup(self, keys: npt.NDArray[np.uint64]) -> RegisterHits:
        return self._index.lookup(keys)


class BitmapRegister(_OneByLookup):
    def __init__(self, name: str, keys: npt.NDArray[np.uint64]) -> None:
        self.info = _info(name, len(keys))
        offsets = keys[(keys >= NANP_BASE) & (keys < 2 * NANP_BASE)] - np.uint64(NANP_BASE)
        byte = (offsets >> np.uint64(3)).astype(np.int64)
        bit = (np.uint8(1) << (offsets & np.uint64(7)).astype(np.uint8)).astype(np.uint8)
        self.bits = np.zeros(NANP_BASE // 8, dtype=np.uint8)
        starts = np.flatnonzero(np.concatenate([[True], byte[1:] != byte[:-1]]))  # keys come sorted
        self.bits[byte[starts]] = np.bitwise_or.reduceat(bit, starts)

    @property
    def nbytes(self) -> int:
        return self.bits.nbytes

    def lookup(self, keys: npt.NDArray[np.uint64]) -> RegisterHits:
        inside = (keys >= NANP_BASE) & (keys < 2 * NANP_BASE)
        offsets = np.where(inside, keys - np.uint64(NANP_BASE), 0).astype(np.int64)
        member = (self.bits[offsets >> 3] >> (offsets & 7).astype(np.uint8)) & 1
        return RegisterHits(member=inside & (member == 1), listed_on=np.full(len(keys), NO_DATE, np.int32))


class SortedRegister(_OneByLookup):
    def __init__(self, name: str, keys: npt.NDArray[np.uint64]) -> None:
        self.info = _info(name, len(keys))
        self.keys = keys

    @property
    def nbytes(self) -> int:
        return self.keys.nbytes

    def lookup(self, keys: npt.NDArray[np.uint64]) -> RegisterHits:
        order = np.argsort(keys, kind="stable")
        probes = keys[order]
        at = np.searchsorted(self.keys, probes)
        found = np.zeros(len(keys), dtype=bool)
        inside = at < len(self.keys)
        found[order[inside]] = self.keys[at[inside]] == probes[inside]
        return RegisterHits(member=found, listed_on=np.full(len(keys), NO_DATE, np.int32))


class OneRegisterStore:
    def __init__(self, snapshot: IndexRegister | BitmapRegister | SortedRegister) -> None:
        self.snapshot = snapshot

    def current(self, name: str) -> IndexRegister | BitmapRegister | SortedRegister | None:
        return self.snapshot if name == self.snapshot.info.name else None

    def names(self) -> list[str]:
        return [self.snapshot.info.name]

    def invalidate(self, name: str | None = None) -> None:
        """Built in memory once: nothing to re-read."""
