"""The register file area: compiling register files into index files, atomically.

Layout under the data directory: `registers/<NAME>/<snapshot id>.dgx`, one immutable file per snapshot,
never rewritten and kept after newer snapshots arrive (decisions name the snapshot that answered them).
A snapshot is written as `<id>.dgx.partial` with its scratch files in `<id>.work/`, fsynced, then renamed;
anything that fails on the way removes its partial files, so a failed import leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from dialgate.adapters.registers.formats import (
    ChunkReader,
    NumberParser,
    Problems,
    open_source,
    read_change_list,
    read_csv_numbers,
    read_numbers,
)
from dialgate.adapters.registers.index import IndexFile, IndexStats, IndexWriter, Opener, open_for_write
from dialgate.adapters.registers.sorting import KeyCollector, sort_unique
from dialgate.domain.registry import (
    CompiledIndex,
    NationalPlan,
    RegisterFormat,
    RegisterSource,
    national_plan,
)
from dialgate.errors import InputError, StoreError

SUFFIX = ".dgx"


class RegisterFiles:
    """Implements the RegisterCompiler port. `opener` is the seam through which every byte is written."""

    def __init__(
        self, data_dir: Path, *, memory_budget_mb: int = 1024, opener: Opener = open_for_write
    ) -> None:
        self.data_dir = data_dir
        self.root = data_dir / "registers"
        self.budget_keys = max(memory_budget_mb, 1) * (1 << 20) // 8
        self.opener = opener

    def path_of(self, index_path: str) -> Path:
        return self.data_dir / index_path

    def open_index(self, index_path: str) -> IndexFile:
        return IndexFile(self.path_of(index_path))

    @contextlib.contextmanager
    def lock(self, name: str) -> Iterator[None]:
        folder = self._folder(name)
        with (folder / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                self._remove_leftovers(folder)
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def compile(
        self, source: RegisterSource, snapshot_id: str, base_index: str | None = None
    ) -> CompiledIndex:
        folder = self._folder(source.name)
        final = folder / f"{snapshot_id}{SUFFIX}"
        partial = folder / f"{snapshot_id}{SUFFIX}.partial"
        work = folder / f"{snapshot_id}.work"
        work.mkdir(exist_ok=True)
        writer: IndexWriter | None = None
        try:
            writer, reader, changes = self._build(source, partial, work, base_index)
            stats = writer.finish()
            partial.replace(final)
            _fsync_dir(folder)
        except OSError as exc:
            if writer is not None:
                writer.abort()
            partial.unlink(missing_ok=True)
            raise _disk_error(exc, source) from None
        except BaseException:
            if writer is not None:
                writer.abort()
            partial.unlink(missing_ok=True)
            raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return CompiledIndex(
            index_path=str(final.relative_to(self.data_dir)),
            count=stats.count,
            index_bytes=stats.bytes,
            has_listing_dates=stats.has_days,
            source_sha256=reader.sha256.hexdigest(),
            source_bytes=reader.size,
            added=changes[0] if changes else None,
            removed=changes[1] if changes else None,
        )

    def _build(
        self, source: RegisterSource, partial: Path, work: Path, base_index: str | None
    ) -> tuple[IndexWriter, ChunkReader, tuple[int, int] | None]:
        plan = _plan(source)
        file = source.source_name
        problems = Problems(file=file)
        with open_source(source.path) as handle:
            reader = ChunkReader(handle, file)
            if source.change_list:
                if base_index is None:
                    raise InputError(
                        f"register {source.name} has no snapshot yet: load a full list before a change list"
                    ).at(file=file)
                changes = read_change_list(reader, NumberParser(plan), problems)
                problems.raise_if_any()
                base = IndexFile(self.path_of(base_index))
                writer = IndexWriter(partial, dated=base.has_days, opener=self.opener)
                try:
                    counts = _apply_changes(base, changes.added, changes.deleted, writer)
                except BaseException:
                    writer.abort()
                    raise
                return writer, reader, counts
            dated = source.format is RegisterFormat.CSV and source.listing_date_column is not None
            expected = min(os.fstat(handle.fileno()).st_size // 2 + 16, self.budget_keys)
            collector = KeyCollector(
                work, budget_keys=self.budget_keys, dated=dated, opener=self.opener, expected=expected
            )
            try:
                _read_into(collector, source, reader, plan, problems)
                problems.raise_if_any()
                if reader.lines == 0 or collector_empty(collector):
                    raise InputError("the file holds no phone numbers").at(file=file, line=1)
                writer = IndexWriter(partial, dated=dated, opener=self.opener)
                try:
                    collector.write_to(writer)
                except BaseException:
                    writer.abort()
                    raise
                return writer, reader, None
            finally:
                collector.cleanup()

    def discard(self, index_path: str) -> None:
        self.path_of(index_path).unlink(missing_ok=True)

    def _folder(self, name: str) -> Path:
        folder = self.root / name
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create {folder}: {exc.strerror}") from None
        return folder

    @staticmethod
    def _remove_leftovers(folder: Path) -> None:
        """Partial files of an import that died (power cut, kill -9): only ever removed under the lock."""
        for stale in folder.glob(f"*{SUFFIX}.partial*"):
            stale.unlink(missing_ok=True)
        for stale in folder.glob("*.work"):
            shutil.rmtree(stale, ignore_errors=True)


def collector_empty(collector: KeyCollector) -> bool:
    return collector._n == 0 and not collector._runs


def _plan(source: RegisterSource) -> NationalPlan | None:
    return national_plan(source.region) if source.region else None


def _read_into(
    collector: KeyCollector, source: RegisterSource, reader: ChunkReader, plan: NationalPlan | None,
    problems: Problems,
) -> None:  # fmt: skip
    fmt = source.format
    if fmt is RegisterFormat.LINES:
        read_numbers(reader, NumberParser(plan), problems, collector)
    elif fmt is RegisterFormat.TPS:
        read_numbers(reader, NumberParser(plan, fixed_width=12), problems, collector)
    elif fmt is RegisterFormat.FTC:
        read_numbers(reader, NumberParser(plan, comma_ok=True), problems, collector)
    elif fmt is RegisterFormat.CSV:
        chunks = read_csv_numbers(
            reader, NumberParser(plan), problems, column=source.column,
            date_column=source.listing_date_column, encoding=source.encoding,
        )  # fmt: skip
        for chunk in chunks:
            if chunk.keys.size:
                collector.add(chunk.keys, chunk.days)
    else:
        raise InputError(f"format '{fmt}' does not make a register snapshot").at(field="format")


def _apply_changes(
    base: IndexFile, added: np.ndarray, deleted: np.ndarray, writer: IndexWriter
) -> tuple[int, int]:
    """Stream the base snapshot in order, dropping deletions and merging additions in.
    Returns (numbers new to the register, numbers taken off it)."""
    removed = 0
    a = 0
    chunks = base.iter_sorted()
    pending = next(chunks, None)
    while pending is not None:
        keys, days = pending
        pending = next(chunks, None)
        upto = added.size if pending is None else int(np.searchsorted(added, keys[-1], "right"))
        extra = added[a:upto]
        a = upto
        if deleted.size:
            hit = np.searchsorted(deleted, keys)
            gone = (hit < deleted.size) & (deleted[np.minimum(hit, deleted.size - 1)] == keys)
            removed += int(gone.sum())
            keys = keys[~gone]
            days = None if days is None else days[~gone]
        if extra.size:
            keys = np.concatenate((keys, extra))
            if days is not None:
                days = np.concatenate((days, np.full(extra.size, 0xFFFF, np.uint16)))
            keys, days = sort_unique(keys, days)
        writer.add(keys, days)
    if a < added.size:  # the base snapshot was empty
        rest = added[a:]
        writer.add(rest, np.full(rest.size, 0xFFFF, np.uint16) if writer.dated else None)
    return writer.count - base.count + removed, removed


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _disk_error(exc: OSError, source: RegisterSource) -> Exception:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreError(
            f"the disk filled up while writing the index of {source.name}; the partial files were removed "
            "and the previous snapshot stays in force"
        )
    return StoreError(
        f"cannot write the index of {source.name}: {exc.strerror or exc}; the previous snapshot stays in force"
    )


__all__ = ["SUFFIX", "IndexStats", "RegisterFiles"]
