"""Sorting an unbounded stream of keys in bounded memory: sorted runs on disk, merged range by range."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from dialgate.adapters.registers.index import NO_DAY, IndexWriter, Int64s, Opener, UInt16s, open_for_write

_OUT_CHUNK = 1 << 22


def sort_unique(keys: Int64s, days: UInt16s | None) -> tuple[Int64s, UInt16s | None]:
    """Sort and drop repeats; a number listed twice keeps its earliest listing date."""
    if keys.size == 0:
        return keys, days
    if days is None:
        keys.sort()
        keep = np.empty(keys.size, np.bool_)
        keep[0] = True
        np.not_equal(keys[1:], keys[:-1], out=keep[1:])
        return keys[keep], None
    order = np.lexsort((days, keys))
    keys, days = keys[order], days[order]
    keep = np.empty(keys.size, np.bool_)
    keep[0] = True
    np.not_equal(keys[1:], keys[:-1], out=keep[1:])
    return keys[keep], days[keep]


class KeyCollector:
    """Collect keys (and listing days) in any order; hand them to an IndexWriter sorted and unique.

    Memory stays under `budget_keys` keys whatever the input size: a full buffer is sorted and spilled
    to `workdir` as a run, and runs are merged in key ranges that each fit the budget again.
    """

    def __init__(
        self, workdir: Path, *, budget_keys: int, dated: bool, opener: Opener = open_for_write,
        expected: int = 0,
    ) -> None:  # fmt: skip
        self.workdir = workdir
        self.budget = max(budget_keys, 1024)
        self.dated = dated
        self._opener = opener
        self._keys = np.empty(min(self.budget, max(expected, 1 << 16)), np.int64)
        self._days = np.empty(self._keys.size if dated else 0, np.uint16)
        self._n = 0
        self._runs: list[tuple[Path, Path | None, int]] = []

    def add(self, keys: Int64s, days: UInt16s | None = None) -> None:
        pos = 0
        while pos < keys.size:
            if self._n == self._keys.size:
                if self._keys.size < self.budget:
                    self._grow()
                else:
                    self._spill()
            take = min(keys.size - pos, self._keys.size - self._n)
            self._keys[self._n : self._n + take] = keys[pos : pos + take]
            if self.dated:
                assert days is not None
                self._days[self._n : self._n + take] = days[pos : pos + take]
            self._n += take
            pos += take

    def _grow(self, at_least: int = 0) -> None:
        size = max(min(self._keys.size * 4, self.budget), at_least)
        keys = np.empty(size, np.int64)
        keys[: self._n] = self._keys[: self._n]
        self._keys = keys
        if self.dated:
            days = np.empty(size, np.uint16)
            days[: self._n] = self._days[: self._n]
            self._days = days

    def _buffered(self) -> tuple[Int64s, UInt16s | None]:
        keys = self._keys[: self._n]
        days = self._days[: self._n] if self.dated else None
        return sort_unique(keys, days)

    def _bucket_sort(self, writer: IndexWriter) -> bool:
        """Dense national registers: a counting sort by block, in O(n), instead of a comparison sort."""
        from dialgate.adapters.registers import kernels

        keys = self._keys[: self._n]
        base = int(keys.min()) >> 16
        nblocks = (int(keys.max()) >> 16) - base + 1
        if nblocks > self._n + (1 << 16):
            return False  # a sparse spread of numbers: the directory would outweigh them
        counts = np.zeros(nblocks, np.int64)
        lows = np.empty(self._n, np.uint16)
        unique = kernels.bucket_sort(keys, base, counts, lows, kernels.DEBRUIJN_INDEX)
        writer.add_blocks(base, counts, lows[:unique])
        return True

    def _spill(self) -> None:
        keys, days = self._buffered()
        index = len(self._runs)
        key_path = self.workdir / f"run{index}.keys"
        with self._opener(key_path) as out:
            out.write(keys.tobytes())
        day_path = None
        if days is not None:
            day_path = self.workdir / f"run{index}.days"
            with self._opener(day_path) as out:
                out.write(days.tobytes())
        self._runs.append((key_path, day_path, int(keys.size)))
        self._n = 0

    def write_to(self, writer: IndexWriter) -> None:
        if not self._runs and not self.dated and self._n and self._bucket_sort(writer):
            return
        if not self._runs:
            keys, days = self._buffered()
            for start in range(0, keys.size, _OUT_CHUNK):
                writer.add(
                    keys[start : start + _OUT_CHUNK],
                    None if days is None else days[start : start + _OUT_CHUNK],
                )
            return
        if self._n:
            self._spill()
        self._keys = np.empty(0, np.int64)  # the runs take over; free the buffer before merging
        self._days = np.empty(0, np.uint16)
        self._merge(writer)

    def _merge(self, writer: IndexWriter) -> None:
        runs = [
            np.memmap(path, np.int64, "r", shape=(n,)) if n else np.zeros(0, np.int64)
            for path, _, n in self._runs
        ]
        day_runs = [
            (np.memmap(dp, np.uint16, "r", shape=(n,)) if n else np.zeros(0, np.uint16)) if dp else None
            for _, dp, n in self._runs
        ]
        quota = max(self.budget // (2 * len(runs)), 1)
        pos = [0] * len(runs)
        while any(p < run.size for p, run in zip(pos, runs, strict=True)):
            upper: int | None = None
            for p, run in zip(pos, runs, strict=True):
                if p + quota < run.size:
                    bound = int(run[p + quota])
                    upper = bound if upper is None else min(upper, bound)
            pieces, day_pieces = [], []
            for r, run in enumerate(runs):
                end = run.size if upper is None else int(np.searchsorted(run, np.int64(upper), "left"))
                pieces.append(np.asarray(run[pos[r] : end]))
                dr = day_runs[r]
                if dr is not None:
                    day_pieces.append(np.asarray(dr[pos[r] : end]))
                pos[r] = end
            keys = np.concatenate(pieces)
            days = np.concatenate(day_pieces) if self.dated else None
            keys, days = sort_unique(keys, days)
            writer.add(keys, days)
        del runs, day_runs

    def cleanup(self) -> None:
        for key_path, day_path, _ in self._runs:
            with contextlib.suppress(OSError):
                key_path.unlink(missing_ok=True)
            if day_path is not None:
                with contextlib.suppress(OSError):
                    day_path.unlink(missing_ok=True)
        self._runs.clear()


def no_days(size: int) -> UInt16s:
    return np.full(size, NO_DAY, np.uint16)
