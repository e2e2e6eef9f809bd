"""Reading CSV files row by row with their line numbers; a row that cannot be read is reported, not lost."""

from __future__ import annotations

import csv
import sys
from collections import deque
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import TextIO

from dialgate.errors import InputError
from dialgate.services.imports import InputRow

csv.field_size_limit(min(sys.maxsize, 1 << 30))


class _Lines:
    """The physical lines under a csv.reader, numbered, with push-back: when a record turns out bad and
    spans several lines (an unterminated quote swallowing its neighbours), the lines after its first
    are read again on their own, so one broken line never takes good rows down with it."""

    def __init__(self, handle: TextIO) -> None:
        self._handle = handle
        self._pending: deque[tuple[int, str]] = deque()
        self._next_number = 1
        self.taken: list[tuple[int, str]] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._pending:
            item = self._pending.popleft()
        else:
            item = (self._next_number, next(self._handle))
            self._next_number += 1
        self.taken.append(item)
        return item[1]

    def start_record(self) -> None:
        self.taken = []

    def retry_after_first(self) -> None:
        self._pending.extendleft(reversed(self.taken[1:]))


def read_rows(
    path: Path,
    *,
    known: Collection[str],
    required: Collection[str],
    encoding: str = "utf-8-sig",
    delimiter: str | None = None,
) -> Iterator[InputRow]:
    """Yield every data row as a dict keyed by the header. Header problems fail the whole file."""
    name = str(path)
    try:
        handle = path.open(encoding=encoding, errors="surrogateescape", newline="")
    except FileNotFoundError:
        raise InputError(f"file '{path}' does not exist").at(file=name) from None
    except (IsADirectoryError, PermissionError) as exc:
        raise InputError(f"file '{path}' cannot be read: {exc.strerror}").at(file=name) from None
    with handle:
        sample = handle.read(64 * 1024)
        handle.seek(0)
        if not sample.strip():
            raise InputError("the file is empty; the first line must name the columns").at(file=name, line=1)
        if delimiter is None:
            delimiter = _sniff_delimiter(sample)
        lines = _Lines(handle)
        reader = csv.reader(lines, delimiter=delimiter)
        header = [h.strip().lower() for h in next(reader)]
        unknown = [h for h in header if h not in known]
        if unknown:
            raise InputError(f"unknown column '{unknown[0]}'; the columns are: {', '.join(known)}").at(
                file=name, line=1
            )
        missing = [r for r in required if r not in header]
        if missing:
            raise InputError(f"the column '{missing[0]}' is missing from the header").at(file=name, line=1)
        while True:
            lines.start_record()
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                first = lines.taken[0][0] if lines.taken else 0
                yield InputRow(first, {}, f"cannot be read as CSV: {exc}")
                lines.retry_after_first()
                continue
            line = lines.taken[0][0]
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            if len(record) != len(header):
                yield InputRow(line, {}, f"has {len(record)} fields where the header has {len(header)}")
                if len(lines.taken) > 1:
                    lines.retry_after_first()
                continue
            fields = dict(zip(header, record, strict=True))
            if not "".join(record).isascii():  # undecodable bytes are never ASCII: most rows skip the scan
                bad = next((k for k, v in fields.items() if _undecodable(v)), None)
                if bad is not None:
                    yield InputRow(line, {}, f"field '{bad}' is not valid {encoding} text (try --encoding)")
                    continue
            yield InputRow(line, fields)


def _undecodable(text: str) -> bool:
    return not text.isascii() and any("\udc80" <= ch <= "\udcff" for ch in text)


def _sniff_delimiter(sample: str) -> str:
    first = sample.splitlines()[0] if sample else ""
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","
