"""Files written whole or not at all, and getting a large output onto the disk while it is written.

write_whole: a file that readers see complete or not at all (caches, exports). The rest serves the
scrub's output, so that its final fsync is short.

Two things made the scrub's last fsync long (0.6-0.9 s after 1.5 GB, a tenth of the run, with the whole
pipeline waiting):
- the kernel holds a file smaller than a tenth of memory dirty until fsync: start_writeback hands each
  range to the disk as soon as it is written;
- a virtual disk whose host caches writes flushes that cache on every fsync, and the first one had
  the whole file to flush: SyncAlong asks for fdatasync in a background thread as the file grows.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

SYNC_BYTES = 128 << 20


PARTIAL_GLOB = ".*.partial"  # what partial_path names: leftovers of an interrupted write


def partial_path(path: Path) -> Path:
    """A hidden sibling of `path`, unique to this write, to be renamed over `path` once complete."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")


def write_whole(path: Path, write: Callable[[BinaryIO], object], *, mode: int | None = None) -> None:
    """Write `path` whole or not at all: `write` fills a temporary file beside it, which is synced,
    given `mode` when set, and renamed over it. On any failure the temporary file is removed and the
    error raised; a previous `path` stays as it was."""
    temp = partial_path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with temp.open("wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            temp.chmod(mode)
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def start_writeback(out: BinaryIO, start: int, end: int) -> None:
    """Start writing bytes start..end to the disk without waiting. POSIX_FADV_DONTNEED on dirty pages
    starts their writeback (Linux; pages already clean leave the cache). Only a hint: where it is
    missing or refused, the final fsync does the work."""
    with contextlib.suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
        os.posix_fadvise(out.fileno(), start, end - start, os.POSIX_FADV_DONTNEED)


def sync_directory(directory: Path) -> None:
    """fsync a directory (a rename in it becomes durable); where that is refused, nothing."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class SyncAlong:
    """fdatasync of a file being written, in a background thread (started when first needed), each
    time it has grown by `every` bytes. The writer never waits for it. A failure is kept and raised by
    close(): after a failed fsync Linux reports the error once, so the final fsync alone could miss it.
    A file object without a descriptor is left to its final flush."""

    def __init__(self, out: BinaryIO, every: int | None = None) -> None:
        try:
            self._fileno: int | None = out.fileno()
        except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
            self._fileno = None
        self._every, self._asked = SYNC_BYTES if every is None else every, 0
        self._wake = threading.Event()
        self._stop = False
        self._error: OSError | None = None
        self._thread: threading.Thread | None = None

    def wrote(self, total: int) -> None:
        """The file now holds `total` bytes."""
        if self._fileno is None or total - self._asked < self._every:
            return
        self._asked = total
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, args=(self._fileno,), name="sync-along", daemon=True
            )
            self._thread.start()
        self._wake.set()

    def close(self) -> None:
        """Stop (after a sync under way) and raise what a sync raised. Call before closing the file."""
        if self._thread is not None:
            self._stop = True
            self._wake.set()
            self._thread.join()
            self._thread = None
        if self._error is not None:
            raise self._error

    def _run(self, fileno: int) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stop:
                return
            try:
                os.fdatasync(fileno)
            except OSError as exc:
                self._error = self._error or exc
