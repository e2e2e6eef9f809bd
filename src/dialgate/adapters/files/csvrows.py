"""Reading CSV files row by row with their line numbers; a row that cannot be read is reported, not lost."""

from __future__ import annotations

import csv
import sys
from collections.abc import Collection, Iterator
from pathlib import Path

from dialgate.errors import InputError
from dialgate.services.imports import InputRow

csv.field_size_limit(min(sys.maxsize, 1 << 30))


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
        reader = csv.reader(handle, delimiter=delimiter)
        header = [h.strip().lower() for h in next(reader)]
        unknown = [h for h in header if h not in known]
        if unknown:
            raise InputError(f"unknown column '{unknown[0]}'; the columns are: {', '.join(known)}").at(
                file=name, line=1
            )
        missing = [r for r in required if r not in header]
        if missing:
            raise InputError(f"the column '{missing[0]}' is missing from the header").at(file=name, line=1)
        last_line = reader.line_num
        try:
            for record in reader:
                line, last_line = last_line + 1, reader.line_num
                if not record or (len(record) == 1 and not record[0].strip()):
                    continue
                if len(record) != len(header):
                    yield InputRow(line, {}, f"has {len(record)} fields where the header has {len(header)}")
                    continue
                fields = dict(zip(header, record, strict=True))
                bad = next((k for k, v in fields.items() if _undecodable(v)), None)
                if bad is not None:
                    yield InputRow(line, {}, f"field '{bad}' is not valid {encoding} text (try --encoding)")
                    continue
                yield InputRow(line, fields)
        except csv.Error as exc:
            yield InputRow(last_line + 1, {}, f"the file cannot be read as CSV from here on: {exc}")


def _undecodable(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _sniff_delimiter(sample: str) -> str:
    first = sample.splitlines()[0] if sample else ""
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","
