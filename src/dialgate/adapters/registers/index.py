"""The register index: one immutable file per snapshot, memory-mapped by every worker.

Design
------
A number is its E.164 key (`+12025550123` -> 12025550123, < 2**50). The key space is cut into blocks of
65,536 consecutive keys (`key >> 16`). The file stores, in key order, only the low 16 bits of each
number (`uint16`, 2 bytes), and a directory of where each block's numbers start (`uint32`):

    header (128 B) | lows: uint16[count] | days: uint16[count] (optional) | blocks: int64[n] (sparse
    directories only) | offsets: uint32[n + 1] | subs: uint16[n << sub_bits] (crowded blocks only)

- At rest: 2 bytes a number plus the directory. A national register is dense in blocks (the US space
  of 8 * 10**9 keys is 122,000 blocks: 0.5 MB of directory, 0.005 B a number at 100 M numbers), so
  the directory is indexed directly by `block - base`. A small or multi-country private list would
  waste space that way, so when the span of blocks is large next to the numbers, the directory lists
  only the blocks present (`blocks`, searched by bisection). A 10-number list is a few hundred bytes.
- A block holding many numbers is cut into 2**sub_bits sub-blocks of equal key ranges, and `subs`
  says where each starts within its block (uint16: the last sub-block covers at least 2,048 keys, so
  none starts more than 63,488 numbers into its block). sub_bits is chosen at
  writing so that a sub-block holds 32-64 numbers (at most 32 sub-blocks); it costs at most 1/16
  byte a number (0.04 for the US list) and is absent where blocks hold fewer than 64. Files written
  before it have no FLAG_SUBS: they are read as blocks of one sub-block each.
- Listing dates, when the source has them, are a parallel `uint16` of days since 1970 (0xFFFF: none),
  so a dated index costs 4 bytes a number.
- In memory: the file is `mmap`ed read-only. The page cache holds one copy however many server workers
  open it; nothing is copied into the process.
- Membership (kernels.py): a sub-block's numbers spread over its keys about evenly, so a probe's
  position is guessed in proportion to its low bits (off by a few lows) and the 16 lows around the
  guess are counted with SIMD compares; bisection takes the few probes the window misses. The
  probes' directory entries and windows are prefetched in stages, several probes ahead, so their
  misses overlap. One pass in the probes' order serves a single check, a scrub's chunk of 64 K
  numbers and a batch of millions alike (the counting sort by block and L1 bitmaps it replaced ran
  3 M probes/s on a scrub's chunks, which touch few probes per block). Searching whole blocks of
  about 800 numbers, with a 64-low window and no sub-blocks, ran at half today's speed.
- Import: files are parsed by a compiled state machine on two threads (no phonenumbers per row), into
  a buffer of at most `register_import_memory_mb`. A national register that fits is sorted by a
  counting sort on the block and an L1 bitmap per block (O(n)); a larger one is sorted in runs that
  are spilled to disk and merged range by range, so memory does not grow with the input. Writing is
  sequential, then fsync, then rename: the database pointer moves only to a complete file.

Measured with bench/registers.py on a 2-core machine: 100 M random US numbers import at 18 M numbers/s,
take 2.044 bytes a number (sub_bits 4), and answer 32 M probes/s on one thread (15.6 M/s without the
sub-blocks, in the same session), in batches of 64 K as of 10 M.

Compared with the alternatives measured on this machine (shared/research/membership-bench.md): a
bitmap over the national space answers as fast but costs 1.25 GB per 10-digit country whatever the
register's size; roaring is as compact but has no vectorised membership.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import mmap
import os
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from dialgate.domain.registry import NO_DATE, RegisterHits

MAGIC = b"DGREGIX1"
HEADER = struct.Struct("<8sIIQQqQQQQ")  # magic, version, flags, count, nblocks, base, 4 section offsets
HEADER_SIZE = 128
VERSION = 1
FLAG_DAYS = 1
FLAG_SPARSE = 2
FLAG_SUBS = 4
SUBS_HEADER = struct.Struct("<QQ")  # after HEADER: sub_bits, subs offset (zero in files without subs)
MAX_SUB_BITS = 5
NO_DAY = 0xFFFF  # uint16 stored for "no listing date"

Int64s = npt.NDArray[np.int64]
UInt16s = npt.NDArray[np.uint16]
Opener = Callable[[Path], BinaryIO]


def open_for_write(path: Path) -> BinaryIO:
    return path.open("wb")


@dataclass(frozen=True)
class IndexStats:
    count: int
    bytes: int
    has_days: bool
    sparse: bool


class IndexWriter:
    """Writes an index from sorted, de-duplicated key chunks, each greater than the one before."""

    def __init__(
        self, path: Path, *, dated: bool, opener: Opener = open_for_write, sub_bits: int | None = None
    ) -> None:
        self.path = path
        self.dated = dated
        self.sub_bits = sub_bits  # None: chosen from the numbers per block (tests force each value)
        self._days_path = path.with_name(path.name + ".days")
        self._out = opener(path)
        self._days: BinaryIO | None = opener(self._days_path) if dated else None
        self._out.write(bytes(HEADER_SIZE))
        self._blocks: list[Int64s] = []
        self._counts: list[Int64s] = []
        self.count = 0
        self._last = -1

    def add(self, keys: Int64s, days: UInt16s | None = None) -> None:
        if keys.size == 0:
            return
        if int(keys[0]) <= self._last:
            raise ValueError("index chunks must arrive sorted and without duplicates")
        self._last = int(keys[-1])
        self._out.write(keys.astype(np.uint16).tobytes())
        if self._days is not None:
            assert days is not None
            self._days.write(np.ascontiguousarray(days, dtype=np.uint16).tobytes())
        blocks = keys >> 16
        cut = np.flatnonzero(blocks[1:] != blocks[:-1]) + 1
        starts = np.concatenate(([0], cut))
        self._blocks.append(blocks[starts])
        self._counts.append(np.diff(np.concatenate((starts, [keys.size]))).astype(np.int64))
        self.count += int(keys.size)

    def add_blocks(self, base: int, counts: Int64s, lows: UInt16s) -> None:
        """Add numbers already in index form: `counts[i]` lows of block base + i, in order."""
        present = np.flatnonzero(counts)
        if not present.size:
            return
        first = (base + int(present[0])) << 16 | int(lows[0])
        if first <= self._last:
            raise ValueError("index chunks must arrive sorted and without duplicates")
        self._last = (base + int(present[-1])) << 16 | int(lows[-1])
        self._out.write(lows.tobytes())
        self._blocks.append(present.astype(np.int64) + base)
        self._counts.append(counts[present].astype(np.int64))
        self.count += int(lows.size)

    def finish(self) -> IndexStats:
        """Write the directory and header, flush and fsync. The file is complete when this returns."""
        if self.count >= 2**32:
            raise ValueError("a register index holds at most 4,294,967,295 numbers")
        blocks, counts = _merge_blocks(self._blocks, self._counts)
        pos = HEADER_SIZE + 2 * self.count
        pos = self._pad(pos)
        days_off = 0
        if self._days is not None:
            self._days.close()
            self._days = None
            days_off = pos
            with self._days_path.open("rb") as src:
                while chunk := src.read(1 << 24):
                    self._out.write(chunk)
            self._days_path.unlink()
            pos = self._pad(pos + 2 * self.count)
        span = int(blocks[-1] - blocks[0] + 1) if blocks.size else 0
        sparse = span * 4 > max(blocks.size * 24, 1 << 18)
        base = 0 if sparse or not blocks.size else int(blocks[0])
        if sparse:
            blocks_off = pos
            self._out.write(blocks.astype("<i8").tobytes())
            pos += 8 * blocks.size
            nblocks = int(blocks.size)
            per_block = counts
        else:
            blocks_off = 0
            nblocks = span
            per_block = np.zeros(span, np.int64)
            per_block[blocks - base] = counts
        offsets = np.zeros(nblocks + 1, np.uint32)
        np.cumsum(per_block, out=offsets[1:], dtype=np.uint32)
        offsets_off = pos
        self._out.write(offsets.astype("<u4").tobytes())
        pos += 4 * (nblocks + 1)
        sub_bits = _sub_bits(self.count, nblocks) if self.sub_bits is None else self.sub_bits
        subs_off = 0
        if sub_bits and self.count:
            self._out.flush()
            subs = self._subs(sub_bits, per_block, offsets)
            pos = self._pad(pos, 64)  # a block's entries, 2**(sub_bits+1) bytes, never straddle a line
            subs_off = pos
            self._out.write(subs.tobytes())
            pos += subs.nbytes
        else:
            sub_bits = 0
        total = pos
        flags = (
            (FLAG_DAYS if self.dated else 0) | (FLAG_SPARSE if sparse else 0) | (FLAG_SUBS if sub_bits else 0)
        )
        header = HEADER.pack(
            MAGIC, VERSION, flags, self.count, nblocks, base,
            HEADER_SIZE, days_off, blocks_off, offsets_off,
        ) + SUBS_HEADER.pack(sub_bits, subs_off)  # fmt: skip
        self._out.seek(0)
        self._out.write(header.ljust(HEADER_SIZE, b"\0"))
        self._out.flush()
        os.fsync(self._out.fileno())
        self._out.close()
        return IndexStats(count=self.count, bytes=total, has_days=self.dated, sparse=sparse)

    def _subs(self, sub_bits: int, per_block: Int64s, offsets: npt.NDArray[np.uint32]) -> UInt16s:
        """Where each sub-block starts within its block, from the lows written so far (read back in
        runs of whole blocks, so memory stays small whatever the count)."""
        parts = 1 << sub_bits
        subs = np.zeros((per_block.size, parts), np.uint16)
        lows = np.memmap(self.path, np.uint16, "r", HEADER_SIZE, (self.count,))
        for b0, b1 in _block_runs(offsets.astype(np.int64)):
            owner = np.repeat(np.arange(b1 - b0, dtype=np.int64), per_block[b0:b1])
            part = lows[int(offsets[b0]) : int(offsets[b1])].astype(np.int64) >> (16 - sub_bits)
            counts = np.bincount(owner * parts + part, minlength=(b1 - b0) * parts).reshape(-1, parts)
            np.cumsum(counts[:, :-1], axis=1, out=subs[b0:b1, 1:], dtype=np.uint16)
        del lows
        return subs.ravel()

    def _pad(self, pos: int, align: int = 8) -> int:
        extra = -pos % align
        if extra:
            self._out.write(bytes(extra))
        return pos + extra

    def abort(self) -> None:
        """Close and remove whatever was written."""
        for handle in (self._out, self._days):
            if handle is not None:
                with contextlib.suppress(OSError):
                    handle.close()
        for path in (self.path, self._days_path):
            path.unlink(missing_ok=True)


def _block_runs(offsets: Int64s, target: int = 1 << 22) -> Iterator[tuple[int, int]]:
    """Runs [b0, b1) of whole blocks holding about `target` numbers each (at least one block), given
    the directory's offsets: how the index is read in pieces, whatever its size."""
    nblocks = offsets.size - 1
    b0 = 0
    while b0 < nblocks:
        b1 = int(np.searchsorted(offsets, offsets[b0] + target, side="right")) - 1
        b1 = min(max(b1, b0 + 1), nblocks)
        yield b0, b1
        b0 = b1


def _sub_bits(count: int, entries: int) -> int:
    """Sub-blocks of 32-64 numbers on average over the directory's entries, none below 64 a block."""
    per_entry = count // max(entries, 1)
    return min(max(per_entry.bit_length() - 6, 0), MAX_SUB_BITS)


def _merge_blocks(blocks: list[Int64s], counts: list[Int64s]) -> tuple[Int64s, Int64s]:
    if not blocks:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    b = np.concatenate(blocks)
    c = np.concatenate(counts)
    # A block cut between two chunks appears twice in a row: add its counts.
    first = np.concatenate(([True], b[1:] != b[:-1]))
    group = np.cumsum(first) - 1
    return b[first], np.bincount(group, weights=c).astype(np.int64)


@functools.cache
def _kernels() -> ModuleType:
    """The compiled kernels, imported on first use (numba takes half a second to load): a single
    check looks up one number, where an import statement each time cost a tenth of the lookup."""
    from dialgate.adapters.registers import kernels

    return kernels


class IndexFile:
    """A read-only, memory-mapped index. Safe to share between threads; cheap to open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size < HEADER_SIZE:
                raise ValueError(f"{path} is not a register index (too short)")
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        magic, version, flags, count, nblocks, base, lows_off, days_off, blocks_off, offsets_off = (
            HEADER.unpack_from(self._map, 0)
        )
        if magic != MAGIC or version != VERSION:
            raise ValueError(f"{path} is not a register index of version {VERSION}")
        self.count = int(count)
        self.bytes = size
        self.sparse = bool(flags & FLAG_SPARSE)
        self.has_days = bool(flags & FLAG_DAYS)
        self._nblocks = int(nblocks)
        self._base = int(base)
        buf = self._map
        self._lows: UInt16s = np.frombuffer(buf, np.uint16, self.count, lows_off)
        self._days: UInt16s = (
            np.frombuffer(buf, np.uint16, self.count, days_off) if self.has_days else np.zeros(0, np.uint16)
        )
        self._blocks: Int64s = (
            np.frombuffer(buf, np.int64, self._nblocks, blocks_off) if self.sparse else np.zeros(1, np.int64)
        )
        self._offsets = np.frombuffer(buf, np.uint32, self._nblocks + 1, offsets_off)
        sub_bits, subs_off = SUBS_HEADER.unpack_from(buf, HEADER.size) if flags & FLAG_SUBS else (0, 0)
        self.sub_bits = int(sub_bits)
        self._subs: UInt16s = (
            np.frombuffer(buf, np.uint16, self._nblocks << self.sub_bits, subs_off)
            if self.sub_bits
            else np.zeros(1, np.uint16)
        )
        # The same sections as plain sequences, for lookup_one: indexing one of these and bisect over it
        # cost a fraction of a compiled kernel's call for a single key (its arguments' type checks)
        self._one = (
            self._lows.data.cast("B").cast("H"),
            self._days.data.cast("B").cast("H"),
            self._blocks.data.cast("B").cast("q"),
            self._offsets.data.cast("B").cast("I"),
            self._subs.data.cast("B").cast("H"),
        )

    def lookup(self, keys: npt.NDArray[np.uint64]) -> RegisterHits:
        probes = np.ascontiguousarray(keys).view(np.int64)
        member = np.zeros(probes.size, np.bool_)
        listed = np.empty(probes.size, np.int32)
        listed.fill(NO_DATE)  # np.full costs a single check's lookup a quarter of its time
        if probes.size and self.count:
            _kernels().lookup(
                probes, not self.sparse, self._base, self._nblocks, self._blocks, self._offsets,
                self.sub_bits, self._subs, self._lows, self._days, member, listed,
            )  # fmt: skip
        return RegisterHits(member=member, listed_on=listed)

    def lookup_one(self, key: int) -> tuple[bool, int]:
        """lookup() of a single key, in plain Python: on the index or not, and its listing day."""
        lows, days, blocks, offsets, subs = self._one
        block = key >> 16
        if key <= 0 or not self.count:
            return False, NO_DATE
        if self.sparse:
            i = bisect.bisect_left(blocks, block)
            if i == self._nblocks or blocks[i] != block:
                return False, NO_DATE
        else:
            i = block - self._base
            if not 0 <= i < self._nblocks:
                return False, NO_DATE
        s, e = offsets[i], offsets[i + 1]
        if self.sub_bits:
            part = (key & 0xFFFF) >> (16 - self.sub_bits)
            at = (i << self.sub_bits) + part
            first, s = s, s + subs[at]
            if part < (1 << self.sub_bits) - 1:
                e = first + subs[at + 1]
        low = key & 0xFFFF
        p = bisect.bisect_left(lows, low, s, e)
        if p == e or lows[p] != low:
            return False, NO_DATE
        day = days[p] if self.has_days else NO_DAY
        return True, NO_DATE if day == NO_DAY else day

    def iter_sorted(self, target: int = 1 << 22) -> Iterator[tuple[Int64s, UInt16s | None]]:
        """Every key in order, in chunks of about `target` keys (whole blocks), with their listing days."""
        offsets = self._offsets.astype(np.int64)
        if self.sparse:
            block_ids = self._blocks.astype(np.int64)
        else:
            block_ids = np.arange(self._base, self._base + self._nblocks, dtype=np.int64)
        for b0, b1 in _block_runs(offsets, target):
            s, e = int(offsets[b0]), int(offsets[b1])
            sizes = np.diff(offsets[b0 : b1 + 1])
            high = np.repeat(block_ids[b0:b1], sizes) << 16
            keys = high | self._lows[s:e].astype(np.int64)
            yield keys, (self._days[s:e].copy() if self.has_days else None)
