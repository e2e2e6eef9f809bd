"""Scrub's CSV files: stream a campaign list in chunks, write it back with four more columns.

Every row is passed through as the text it was (its quoting, spacing and field order untouched) and the
new fields are appended after it, so nothing the dialer relies on changes. Reading works on chunks of
whole records: a chunk ends at the last newline outside double quotes.

Three ways through a chunk give the same answer:
- plain: one compiled pass (text_kernels.scan_records) finds the records, their fields and the number
  field's digits, and where the last whole record of the bytes read so far ends. Taken when the chunk
  is valid UTF-8 and the plainest CSV: every quote a whole field's, carriage returns only before line
  feeds (and the machine little-endian: the pass reads eight bytes at a time, and most lists 64 at a
  time as bit masks). Blocks are read straight into the buffer the chunk keeps (no copy in Python).
- fast: records found from the positions of newlines and quotes, the number field read by polars' CSV
  parser. Taken when the chunk is valid UTF-8 and its quoting is regular enough for polars.
- careful (Python's csv module): everything else. Rows with undecodable bytes, the wrong number of
  fields or broken quoting are kept byte for byte and marked unreadable (the scrub marks them
  INVALID_NUMBER).

Files in other encodings are transcoded to UTF-8 on the way in and back on the way out; undecodable
bytes survive the round trip (surrogateescape). A record longer than `max_record_bytes` is streamed
through without being held in memory. The output is written to a temporary file next to the target and
renamed over it only after everything was written and synced; its pages are handed to the disk as they
are written (not all at the final sync, which took seconds for a large output).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import os
import queue
import re
import sys
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
import polars as pl

from dialgate.adapters.files.durable import SyncAlong, partial_path, start_writeback, sync_directory
from dialgate.adapters.number_digits import digits_of, digits_of_series
from dialgate.domain.batch import (
    OUTPUT_COLUMNS,
    ROW_FIELD_COUNT,
    ROW_OK,
    ROW_TOO_LONG,
    ROW_UNDECODABLE,
    ROW_UNPARSEABLE,
    ScrubColumns,
)
from dialgate.domain.bulk_numbers import NumberDigits
from dialgate.errors import InputError, StoreError
from dialgate.read_ahead import ReadAhead
from dialgate.services.ports import ScrubChunk, ScrubSource

CHUNK_BYTES = 8 << 20
WRITEBACK_BYTES = 8 << 20
MAX_RECORD_BYTES = 64 << 20
BOM = b"\xef\xbb\xbf"
DELIMITERS = (",", ";", "\t", "|")
# Header names taken for the number column when --column is not given, compared lowercased without
# spaces, dashes, dots and underscores; earlier names win.
ALIASES = (
    "phone", "phonenumber", "phoneno", "number", "msisdn", "telephone", "telephonenumber", "tel",
    "mobile", "mobilenumber", "mobilephone", "cell", "cellphone", "cellnumber", "contactnumber",
    "telefono", "telefone", "telefon", "telefonnummer", "numero", "numerotelephone",
)  # fmt: skip
_SURROGATE = re.compile("[\udc80-\udcff]")
_NORMALISE = re.compile(r"[\s_.\-]+")

csv.field_size_limit(1 << 30)

Opener = Callable[[Path], BinaryIO]


def _open_for_writing(path: Path) -> BinaryIO:
    return path.open("xb")


@dataclass(frozen=True)
class Layout:
    """What the header told: the columns, the number column, how the file is written."""

    path: Path
    columns: tuple[str, ...]
    number_index: int
    delimiter: str
    terminator: str
    header: str  # the header record as written, without its terminator
    bom: bool
    encoding: str  # Python codec name
    transcode: bool  # not UTF-8: transcoded in and out

    @property
    def number_column(self) -> str:
        return self.columns[self.number_index]


U8 = npt.NDArray[np.uint8]
_NOTHING: U8 = np.zeros(0, dtype=np.uint8)


@dataclass
class FastChunk:
    """Records read by the fast path: where each one's text lies in the chunk's bytes."""

    data: U8
    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]  # the line end (and a carriage return before it) excluded
    numbers: NumberDigits
    unreadable: npt.NDArray[np.uint8]
    first_line: int
    input_bytes: int
    lines: int  # line feeds in data
    data_line: int  # the line data begins on (blank lines may come before the first row)

    @property
    def rows(self) -> int:
        return len(self.starts)

    def lines_of(self, rows: npt.NDArray[np.intp]) -> list[int]:
        newlines = np.flatnonzero(self.data[: int(self.starts[rows].max()) if rows.size else 0] == 10)
        return [self.data_line + int(n) for n in np.searchsorted(newlines, self.starts[rows])]


@dataclass
class SlowChunk:
    """Records read by the careful path: their text (undecodable bytes escaped) kept in Python."""

    texts: list[str]
    numbers: NumberDigits
    unreadable: npt.NDArray[np.uint8]
    first_line: int
    input_bytes: int
    starts_on: list[int]  # the line each row begins on

    @property
    def rows(self) -> int:
        return len(self.texts)

    def lines_of(self, rows: npt.NDArray[np.intp]) -> list[int]:
        return [self.starts_on[r] for r in rows.tolist()]


@dataclass
class LongRecord:
    """One record too long to hold in memory: its bytes wait in a temporary file (on disk past a few
    megabytes), without its line end, until the sink copies them to the output."""

    spool: BinaryIO
    first_line: int
    input_bytes: int = 0
    numbers: NumberDigits = field(default_factory=lambda: NumberDigits.from_strings([""]))
    unreadable: npt.NDArray[np.uint8] = field(default_factory=lambda: np.array([ROW_TOO_LONG], np.uint8))

    @property
    def rows(self) -> int:
        return 1

    def lines_of(self, rows: npt.NDArray[np.intp]) -> list[int]:
        return [self.first_line] * rows.size


Chunk = FastChunk | SlowChunk | LongRecord


class CsvScrubFiles:
    """The ScrubFiles port over CSV files on disk."""

    def __init__(
        self,
        *,
        chunk_bytes: int = CHUNK_BYTES,
        max_record_bytes: int = MAX_RECORD_BYTES,
        opener: Opener = _open_for_writing,
        overlap: int = 2,
    ) -> None:
        """`overlap`: chunks read ahead and written behind in background threads, so that reading,
        deciding and writing use the cores at once; 0 does everything in the caller's thread."""
        self.chunk_bytes = chunk_bytes
        self.max_record_bytes = max(max_record_bytes, 16)
        self.opener = opener
        self.overlap = overlap

    @contextmanager
    def open_source(
        self, path: Path, *, column: str | None, encoding: str | None, delimiter: str | None
    ) -> Iterator[CsvSource]:
        name = str(path)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise InputError(f"file '{path}' does not exist").at(file=name) from None
        except (IsADirectoryError, PermissionError) as exc:
            raise InputError(f"file '{path}' cannot be read: {exc.strerror}").at(file=name) from None
        with handle:
            source = CsvSource(self, path, handle, column=column, encoding=encoding, delimiter=delimiter)
            try:
                yield source
            finally:
                source.close()

    @contextmanager
    def open_sink(self, path: Path, source: ScrubSource) -> Iterator[CsvSink]:
        if not isinstance(source, CsvSource):
            raise TypeError("a CSV sink writes what a CSV source read")
        sink = CsvSink(self, path, source.layout)
        try:
            yield sink
        finally:
            sink.discard()


class CsvSource:
    def __init__(
        self,
        files: CsvScrubFiles,
        path: Path,
        handle: BinaryIO,
        *,
        column: str | None,
        encoding: str | None,
        delimiter: str | None,
    ) -> None:
        self._files, self._handle = files, handle
        self.bytes_total = os.fstat(handle.fileno()).st_size
        self.bytes_read = 0
        codec = _codec(encoding, path)
        self._decoder = (
            None
            if codec in ("utf-8", "utf-8-sig")
            else codecs.getincrementaldecoder(codec)(errors="surrogateescape")
        )
        self._pending = _NOTHING  # read, not yet in a chunk; never written to (a chunk may hold a view)
        self._eof = False
        self._replay: BinaryIO | None = None  # bytes read once already (UTF-8), read again before the file's
        self._line = 1
        self._ahead: ReadAhead[Chunk] | None = None
        bom = self._read_start()
        self.layout = self._read_header(path, codec, bom, column, delimiter)

    # --- the ScrubSource port ------------------------------------------------------------------------
    @property
    def columns(self) -> tuple[str, ...]:
        return self.layout.columns

    @property
    def number_column(self) -> str:
        return self.layout.number_column

    def chunks(self) -> Iterator[Chunk]:
        if self._files.overlap <= 0:
            return self._chunks()
        self._ahead = ReadAhead(self._chunks(), self._files.overlap, name="scrub-read")
        return self._ahead

    def close(self) -> None:
        if self._ahead is not None:
            self._ahead.close()
        if self._replay is not None:
            self._replay.close()

    def _chunks(self) -> Iterator[Chunk]:
        files = self._files
        while True:
            if not self._eof and len(self._pending) < files.chunk_bytes:
                self._read_more()
                continue
            if self._eof and not len(self._pending):
                return
            plain = self._plain(self._pending, self._line, final=self._eof)
            if plain is not None and plain.input_bytes:
                self._pending = self._pending[plain.input_bytes :]
                self._line += plain.lines
                yield plain
                continue
            # Bytes the plain reading refuses (or a record longer than what was read): cut by counting
            # quotes, then read by whichever way takes the chunk.
            pending = self._pending.tobytes()
            if self._eof:
                self._pending = _NOTHING
                yield self._chunk(pending)
                return
            cut = _last_record_end(pending)
            if cut > 0:
                self._pending = self._pending[cut:]
                yield self._chunk(pending[:cut])
            elif len(pending) <= files.max_record_bytes:
                self._read_more()
            elif pending.find(b"\n") >= 0:
                # A record longer than the limit that runs over lines: a quoted field holding newlines,
                # or a quote that never closes. Which, only its end tells: it is set aside on disk until
                # then. Closed: one row, too long to read. Never closed (the file ended inside it): it
                # would swallow the rest of the file, so the line it opened on becomes one unreadable
                # row, and reading starts afresh on the next line, from what was set aside.
                first = self._line
                spool, closed = self._set_aside()
                if closed:
                    yield LongRecord(spool, first)  # type: ignore[arg-type]  # a file object in all but name
                    continue
                spool.seek(0)
                data = spool.readline()
                self._line, self._replay, self._eof = first, spool, False  # type: ignore[assignment]
                yield self._careful(data, self._take_lines(data), force=ROW_UNPARSEABLE)
            else:
                first = self._line
                spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115  # the sink closes it
                for piece in self._long_pieces():
                    spool.write(piece)
                yield LongRecord(spool, first)  # type: ignore[arg-type]  # a file object in all but name

    def _set_aside(self) -> tuple[tempfile.SpooledTemporaryFile[bytes], bool]:
        """The pending record, read on to its end into a temporary file (on disk past a few megabytes),
        without its line end; and whether it ended (False: the file ended inside its quotes)."""
        spool: tempfile.SpooledTemporaryFile[bytes] = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115  # the sink, or the replay, closes it
        inside = False  # whether what was set aside so far ends inside quotes
        while True:
            pending = self._pending.tobytes()
            end = _first_record_end(pending, inside=inside)
            if end >= 0:
                spool.write(pending[: end - 1])
                self._pending = self._pending[end:]
                self._line += pending.count(b"\n", 0, end)
                return spool, True
            spool.write(pending)
            inside ^= pending.count(b'"') % 2 == 1
            self._line += pending.count(b"\n")
            self._pending = _NOTHING
            if self._eof:
                return spool, False
            self._read_more()

    # --- reading ---------------------------------------------------------------------------------------
    def _read_more(self) -> None:
        """Append the next block to the pending bytes, in a new buffer (chunks keep views of the old)."""
        held, size = len(self._pending), self._files.chunk_bytes
        if self._replay is not None:  # what _set_aside read, again: UTF-8 already, counted already
            block = self._replay.read(size)
            if block:
                self._pending = np.concatenate([self._pending, np.frombuffer(block, dtype=np.uint8)])
                return
            self._replay.close()
            self._replay = None
        if self._decoder is not None:
            block = self._handle.read(size)
            self.bytes_read += len(block)
            text = self._decoder.decode(block, final=not block)
            if not block and not text:
                self._eof = True
            else:
                utf8 = np.frombuffer(text.encode("utf-8", "surrogateescape"), dtype=np.uint8)
                self._pending = np.concatenate([self._pending, utf8])
            return
        buffer = np.empty(held + size, dtype=np.uint8)
        buffer[:held] = self._pending
        got = self._handle.readinto(buffer.data[held:])  # type: ignore[attr-defined]  # an io.BufferedReader
        self.bytes_read += got
        self._eof = not got
        self._pending = buffer[: held + got]

    def _read_start(self) -> bool:
        self._read_more()
        if self._decoder is None and self._pending[: len(BOM)].tobytes() == BOM:
            self._pending = self._pending[len(BOM) :]
            return True
        return False

    def _take_lines(self, data: bytes) -> int:
        first = self._line
        self._line += data.count(b"\n")
        return first

    def _long_pieces(self) -> Iterator[bytes]:
        """The bytes of an overlong physical line, up to (not including) its newline."""
        first = True
        while True:
            if not first:
                self._read_more()
            first = False
            pending = self._pending.tobytes()
            newline = pending.find(b"\n")
            if newline >= 0:
                self._pending = self._pending[newline + 1 :]
                self._line += 1
                yield pending[:newline]
                return
            self._pending = _NOTHING
            if pending:
                yield pending
            if self._eof:
                return

    # --- header ----------------------------------------------------------------------------------------
    def _read_header(
        self, path: Path, codec: str, bom: bool, column: str | None, delimiter: str | None
    ) -> Layout:
        name = str(path)
        while True:
            pending = self._pending.tobytes()
            end = _first_record_end(pending)
            if end >= 0 or self._eof:
                break
            if len(pending) > self._files.max_record_bytes:
                raise InputError(
                    f"the first line (the header) is longer than {self._files.max_record_bytes} bytes "
                    "or opens a quote it never closes"
                ).at(file=name, line=1)
            self._read_more()
        raw = pending if end < 0 else pending[:end]
        self._pending = _NOTHING if end < 0 else self._pending[end:]
        self._take_lines(raw)
        terminator = "\r\n" if raw.endswith(b"\r\n") else "\n"
        raw = raw.removesuffix(b"\n").removesuffix(b"\r")
        try:
            header = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(
                f"the header is not valid {codec} text; name the file's encoding with --encoding (e.g. latin-1)"
            ).at(file=name, line=1) from None
        if not header.strip():
            raise InputError("the file is empty; the first line must name the columns").at(file=name, line=1)
        sep = _delimiter(delimiter) if delimiter is not None else _sniff(header)
        try:
            columns = tuple(next(csv.reader([header], delimiter=sep, strict=True)))
        except csv.Error as exc:
            raise InputError(f"the header cannot be read as CSV: {exc}").at(file=name, line=1) from None
        ours = [c for c in OUTPUT_COLUMNS if c in columns]
        if ours:  # a second set would follow the first, and readers that take a name's first column
            # would read the old verdicts
            raise InputError(
                f"the file already has dialgate's columns ({', '.join(ours)}): it is a scrub's output; "
                "scrub the original list, or remove those columns first"
            ).at(file=name, line=1)
        return Layout(
            path=path,
            columns=columns,
            number_index=_number_index(columns, column, name),
            delimiter=sep,
            terminator=terminator,
            header=header,
            bom=bom,
            encoding=codec,
            transcode=self._decoder is not None,
        )

    # --- chunks ----------------------------------------------------------------------------------------
    def _chunk(self, data: bytes) -> Chunk:
        first = self._line
        self._line += data.count(b"\n")
        return (
            self._plain(np.frombuffer(data, dtype=np.uint8), first, final=True)
            or self._fast(data, first, _Marks.of(data))
            or self._careful(data, first)
        )

    def _plain(self, data: U8, first_line: int, *, final: bool) -> FastChunk | None:
        """The whole records at the start of `data` (all of it when `final`), their field counts and
        number fields from one compiled pass; None when they are not UTF-8 or stray from the plainest
        CSV. The chunk's input_bytes and lines say how far it reaches."""
        layout = self.layout
        if ord(layout.delimiter) > 127 or sys.byteorder != "little":  # the scan reads words as little-endian
            return None
        from dialgate.adapters.text_kernels import scan_records  # numba: loaded when reading

        rows, used, lines, first, regular, ascii, found = scan_records(
            data, final, ord(layout.delimiter), layout.number_index, len(layout.columns)
        )
        data = data[:used]
        if not regular or not (ascii or _is_utf8(data)):
            return None
        starts, ends, at, end_at, shape, value, count, unreadable = (column[:rows] for column in found)
        read_again: dict[int, str] = {}
        for i in np.flatnonzero(unreadable).tolist():  # as on the fast path: the csv module decides
            read_again[i], unreadable[i] = _lenient(data[starts[i] : ends[i]].tobytes().decode(), layout)
            if unreadable[i] == ROW_OK:
                again = digits_of([read_again[i]])
                shape[i], value[i], count[i] = again.shape[0], again.value[0], again.count[0]

        def text_of(picked: npt.NDArray[np.intp]) -> list[str]:
            return [
                read_again[r] if r in read_again else _unquote(data[at[r] : end_at[r]].tobytes())
                for r in picked.tolist()
            ]

        numbers = NumberDigits(shape, value, count, text_of, unreadable != ROW_OK)
        first = first_line + first if rows else first_line
        return FastChunk(data, starts, ends, numbers, unreadable, first, used, lines, first_line)

    def _fast(self, data: bytes, first_line: int, marks: _Marks) -> FastChunk | None:
        """Records as spans of `data`, the number field from polars' CSV parser; None when the chunk needs
        the careful path (not UTF-8, quoting polars rejects, records the two readings split differently)."""
        layout = self.layout
        if not _is_utf8(data):
            return None
        try:
            fields = pl.read_csv(
                data,
                has_header=False,
                separator=layout.delimiter,
                quote_char='"',
                infer_schema=False,
                columns=[layout.number_index],
                truncate_ragged_lines=False,
                empty_string_is_null=False,
                raise_if_empty=False,
            )
        except (
            pl.exceptions.ComputeError,
            pl.exceptions.NoDataError,
            pl.exceptions.ShapeError,
            pl.exceptions.ColumnNotFoundError,
        ):
            return None  # irregular quoting, a row with too many fields, or none reaching the number
        shape = _structure(data, layout, marks)
        if shape is None:
            return None  # a quoted newline may have been \r\n: only the careful path keeps it
        ends_record, ends, field_counts = shape
        # Both readings split records at the same newlines unless a quote stands where RFC 4180 has none
        # (polars then reads it literally, the quote parity does not), or a quote is open at the end.
        if not ends_record[-1] or fields.height != len(ends):
            return None
        starts = np.concatenate([[0], ends[:-1] + 1]).astype(np.int64)
        buf = np.frombuffer(data, dtype=np.uint8)
        ends = ends - ((ends > starts) & (buf[ends - 1] == 13))  # a line's \r is its line end's
        line_no = first_line + np.concatenate([[0], np.flatnonzero(ends_record)[:-1] + 1])
        field = fields.to_series(0).alias("field")
        keep = ends > starts
        if not keep.all():  # blank lines carry no row
            starts, ends, line_no, field, field_counts = (
                starts[keep],
                ends[keep],
                line_no[keep],
                field.filter(pl.Series(keep)),
                field_counts[keep],
            )
        unreadable = np.where(field_counts == len(layout.columns), ROW_OK, ROW_FIELD_COUNT).astype(np.uint8)
        bad = np.flatnonzero(unreadable != ROW_OK)
        if bad.size:
            # Irregular rows get a second reading by the csv module, which is lenient about stray quotes.
            values = field.to_list()
            for i in bad.tolist():
                values[i], unreadable[i] = _lenient(data[starts[i] : ends[i]].decode(), layout)
            field = pl.Series(values, dtype=pl.String)
        numbers = digits_of_series(field, unreadable != ROW_OK)
        first = int(line_no[0]) if len(line_no) else first_line
        chunk = np.frombuffer(data, dtype=np.uint8)
        return FastChunk(
            chunk, starts, ends, numbers, unreadable, first, len(data), data.count(b"\n"), first_line
        )

    def _careful(self, data: bytes, first_line: int, force: int = ROW_OK) -> SlowChunk:
        layout = self.layout
        text = data.decode("utf-8", "surrogateescape")
        physical = text.split("\n")
        if physical and physical[-1] == "":
            physical.pop()
        records: list[str] = []
        values: list[str] = []
        causes: list[int] = []
        starts_on: list[int] = []
        i = 0
        while i < len(physical):
            reader = csv.reader(_lines_from(physical, i), delimiter=layout.delimiter)
            while i < len(physical):
                before = reader.line_num
                try:
                    row = next(reader)
                except StopIteration:
                    i = len(physical)
                    break
                except csv.Error:
                    # Unreadable from here: its first line becomes one row, reading restarts after it.
                    records.append(physical[i].removesuffix("\r"))
                    causes.append(ROW_UNPARSEABLE)
                    values.append("")
                    starts_on.append(first_line + i)
                    i += 1
                    break
                used = reader.line_num - before
                if i + used == len(physical) and _open_at_end(physical, i, layout.delimiter):
                    # A quote opened at a field's start never closed: the csv module read on to the end of
                    # the data (or closed it there itself, on a last line that stray quotes elsewhere let
                    # the quote count cut the chunk after). As for a file too long to hold the record, its
                    # first line becomes one unreadable row and reading restarts after it, so no row
                    # after it is swallowed.
                    records.append(physical[i].removesuffix("\r"))
                    causes.append(ROW_UNPARSEABLE)
                    values.append("")
                    starts_on.append(first_line + i)
                    i += 1
                    break
                record = "\n".join(physical[i : i + used]).removesuffix("\r")
                i += used
                if not record:
                    continue  # a blank line carries no row
                cause = ROW_OK
                if force:
                    cause = force
                elif _SURROGATE.search(record):
                    cause = ROW_UNDECODABLE
                elif len(row) != len(layout.columns):
                    cause = ROW_FIELD_COUNT
                records.append(record)
                causes.append(cause)
                starts_on.append(first_line + i - used)
                values.append(row[layout.number_index] if cause == ROW_OK else "")
        unreadable = np.array(causes, dtype=np.uint8)
        numbers = NumberDigits.from_strings(values)
        numbers = NumberDigits(
            numbers.shape, numbers.value, numbers.count, numbers.text_of, unreadable != ROW_OK
        )
        return SlowChunk(records, numbers, unreadable, first_line, len(data), starts_on)


class CsvSink:
    """Writes the output to a temporary file beside the target; `commit` syncs and renames it."""

    def __init__(self, files: CsvScrubFiles, target: Path, layout: Layout) -> None:
        self.target, self.layout = target, layout
        self._temp = partial_path(target)
        self._encoder = (
            codecs.getincrementalencoder(layout.encoding)(errors="surrogateescape")
            if (layout.transcode)
            else None
        )
        self._decoder = (
            codecs.getincrementaldecoder("utf-8")(errors="surrogateescape") if layout.transcode else None
        )
        try:
            self._out: BinaryIO | None = files.opener(self._temp)
            opened = self._out
        except OSError as exc:
            raise _write_error(target, exc) from None
        try:  # until the caller holds the sink, no discard() would remove the file (a signal may come)
            d, term = layout.delimiter, layout.terminator
            header = (BOM if layout.bom and not layout.transcode else b"") + (
                layout.header + d + d.join(OUTPUT_COLUMNS) + term
            ).encode("utf-8", "surrogateescape")
            self._written = self._handed = 0
            self._sync = SyncAlong(self._out)
            self._write(header)
            self.committed = False
            self._behind = WriteBehind(self._write_chunk, files.overlap) if files.overlap > 0 else None
        except BaseException:
            if hasattr(self, "_sync"):
                with contextlib.suppress(OSError):
                    self._sync.close()
            with contextlib.suppress(OSError):
                opened.close()
            self._temp.unlink(missing_ok=True)
            raise

    def write(self, chunk: ScrubChunk, columns: ScrubColumns) -> None:
        if self._behind is not None:
            self._behind.put(chunk, columns)
        else:
            self._write_chunk(chunk, columns)

    def _write_chunk(self, chunk: ScrubChunk, columns: ScrubColumns) -> None:
        if isinstance(chunk, FastChunk) and not chunk.unreadable.any():
            self._write(self._fast_bytes(chunk, columns))
        elif isinstance(chunk, FastChunk):  # rare: a row that does not fit the header is rewritten
            texts = [
                chunk.data[s:e].tobytes().decode("utf-8", "surrogateescape")
                for s, e in zip(chunk.starts.tolist(), chunk.ends.tolist(), strict=True)
            ]
            self._write(self._careful_bytes(self._aligned(texts, chunk.unreadable), columns))
        elif isinstance(chunk, SlowChunk):
            self._write(self._careful_bytes(self._aligned(chunk.texts, chunk.unreadable), columns))
        elif isinstance(chunk, LongRecord):
            self._write_long(chunk, columns)
        else:
            raise TypeError(f"not a chunk of this reader: {type(chunk).__name__}")

    def commit(self) -> None:
        if self._behind is not None:
            self._behind.finish()  # raises what a background write raised
        out = self._out
        assert out is not None, "commit after discard"
        try:
            if self._encoder is not None:
                out.write(self._encoder.encode("", final=True))
            out.flush()
            self._sync.close()  # raises what a sync along the way raised
            os.fsync(out.fileno())
            out.close()
            self._out = None
            self._temp.replace(self.target)
            sync_directory(self.target.parent)
        except OSError as exc:
            raise _write_error(self.target, exc) from None
        self.committed = True

    def discard(self) -> None:
        """Remove the temporary file unless it was committed (a failed run never leaves a half file)."""
        if self._behind is not None:
            self._behind.abandon()
        with contextlib.suppress(OSError):
            self._sync.close()
        if self._out is not None:
            with contextlib.suppress(OSError):
                self._out.close()
            self._out = None
        if not self.committed:
            self._temp.unlink(missing_ok=True)

    # --- bytes -------------------------------------------------------------------------------------
    def _write(self, data: bytes | memoryview) -> None:
        assert self._out is not None
        if self._encoder is not None and self._decoder is not None:
            data = self._encoder.encode(self._decoder.decode(bytes(data)))
        try:
            self._out.write(data)
        except OSError as exc:
            raise _write_error(self.target, exc) from None
        self._written += len(data)
        if self._written - self._handed >= WRITEBACK_BYTES:
            start_writeback(self._out, self._handed, self._written)
            self._handed = self._written
            self._sync.wrote(self._written)

    def _fast_bytes(self, chunk: FastChunk, columns: ScrubColumns) -> memoryview:
        from dialgate.adapters.text_kernels import append_columns  # numba: loaded when writing

        d, term = self.layout.delimiter, self.layout.terminator.encode()
        sep = d.encode("utf-8", "surrogateescape")
        # The verdict, reasons and next-instant fields come from small tables: each entry is written
        # once here, with its leading delimiter, and picked per row by the kernel.
        tables = (("ALLOW", "BLOCK"), columns.reason_texts, columns.next_texts)
        texts = [(d + _quote(t, d)).encode("utf-8", "surrogateescape") for table in tables for t in table]
        sizes = np.array([len(t) for t in texts], dtype=np.int64)
        bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        picks = np.stack(
            [
                columns.blocked.astype(np.int64),
                columns.reasons.astype(np.int64) + 2,
                columns.next_allowed.astype(np.int64) + 2 + len(columns.reason_texts),
            ],
            axis=1,
        )
        rows = len(chunk.starts)
        size = int((chunk.ends - chunk.starts).sum() + sizes[picks].sum())
        size += rows * (len(sep) + 21 + len(term))  # "+" and up to 20 digits
        out = np.empty(size, dtype=np.uint8)
        used = append_columns(
            chunk.data,
            chunk.starts,
            chunk.ends,
            columns.key,
            columns.valid,
            np.frombuffer(b"".join(texts), dtype=np.uint8),
            bounds,
            picks,
            np.frombuffer(sep, dtype=np.uint8),
            np.frombuffer(term, dtype=np.uint8),
            out,
        )
        return out.data[:used]

    def _careful_bytes(self, texts: Sequence[str], columns: ScrubColumns) -> bytes:
        d, term = self.layout.delimiter, self.layout.terminator
        e164 = _e164(columns).to_list()
        verdicts = _pick(("ALLOW", "BLOCK"), columns.blocked.astype(np.uint32), d).to_list()
        reasons = _pick(columns.reason_texts, columns.reasons, d).to_list()
        nexts = _pick(columns.next_texts, columns.next_allowed, d).to_list()
        out = [
            f"{text}{d}{e}{d}{v}{d}{r}{d}{n}{term}"
            for text, e, v, r, n in zip(texts, e164, verdicts, reasons, nexts, strict=True)
        ]
        return "".join(out).encode("utf-8", "surrogateescape")

    def _aligned(self, texts: list[str], unreadable: npt.NDArray[np.uint8]) -> list[str]:
        """Rows that were not read, written so that the output's readers find every column under its
        own header (the verdict above all: a reader that takes "not BLOCK" as callable must not read an
        input field there). Nothing of a row is lost: a short row gets empty fields, a long one keeps
        its extra fields in its last column, and text that is not CSV goes whole into the first."""
        d, width = self.layout.delimiter, len(self.layout.columns)
        out = list(texts)
        for i in np.flatnonzero(unreadable).tolist():
            text = texts[i]
            fields: list[list[str]] = []
            if unreadable[i] != ROW_UNPARSEABLE:  # an unclosed quote reads as a field: it is not one
                with contextlib.suppress(csv.Error):
                    fields = list(csv.reader([text], delimiter=d, strict=True))
            if len(fields) != 1:
                out[i] = _quote_always(text) + d * (width - 1)
            elif len(fields[0]) < width:
                out[i] = text + d * (width - len(fields[0]))
            elif len(fields[0]) > width:
                row = fields[0]
                out[i] = d.join(_quote(f, d) for f in [*row[: width - 1], d.join(row[width - 1 :])])
        return out

    def _write_long(self, record: LongRecord, columns: ScrubColumns) -> None:
        """A record too long to read is copied whole into the first column, quoted (its own quotes
        doubled), so that its fields cannot shift the verdict out from under its header."""
        spool = record.spool
        size = spool.seek(0, os.SEEK_END)
        spool.seek(0)
        if size:  # a carriage return before the line end is the line end's, not the row's
            spool.seek(size - 1)
            size -= spool.read(1) == b"\r"
            spool.seek(0)
        left = size
        self._write(b'"')
        while left > 0:
            piece = spool.read(min(left, 1 << 20))
            left -= len(piece)
            self._write(piece.replace(b'"', b'""'))
        spool.close()
        self._write(b'"' + self.layout.delimiter.encode("utf-8") * (len(self.layout.columns) - 1))
        self._write(self._careful_bytes([""], columns))


# --- overlap -----------------------------------------------------------------------------------------


class WriteBehind:
    """Writes chunks in a background thread; a failure surfaces at the next put or at finish."""

    def __init__(self, write: Callable[[ScrubChunk, ScrubColumns], None], depth: int) -> None:
        self._write = write
        self._queue: queue.Queue[tuple[ScrubChunk, ScrubColumns] | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="scrub-write", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._write(*item)
                except BaseException as exc:  # raised in the producer's thread
                    self._error = exc

    def put(self, chunk: ScrubChunk, columns: ScrubColumns) -> None:
        self._raise()
        self._queue.put((chunk, columns))

    def finish(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._raise()

    def abandon(self) -> None:
        if self._thread.is_alive():
            self._error = self._error or RuntimeError("abandoned")
            self._queue.put(None)
            self._thread.join()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error


# --- helpers -----------------------------------------------------------------------------------------


def _codec(encoding: str | None, path: Path) -> str:
    """The Python codec for --encoding; anything but UTF-8 is transcoded to UTF-8 on the way in."""
    if encoding is None or not encoding.strip():
        return "utf-8"
    try:
        return codecs.lookup(encoding.strip()).name
    except LookupError:
        raise InputError(f"unknown encoding '{encoding}' (try utf-8, latin-1, cp1252)").at(
            file=str(path), field="encoding"
        ) from None


def _delimiter(value: str) -> str:
    named = {"\\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    sep = named.get(value.lower(), value)
    if len(sep) != 1 or not sep.isascii() or sep in '"\r\n+' or sep.isalnum():
        raise InputError(f"'{value}' cannot be a delimiter; use one ASCII character such as , ; | or \\t").at(
            field="delimiter"
        )
    return sep


def _sniff(header: str) -> str:
    unquoted = re.sub(r'"(?:[^"]|"")*"', "", header)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _normalise(name: str) -> str:
    """Lowercase, accents and separators dropped: "Téléphone No." -> "telephoneno"."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))
    return _NORMALISE.sub("", plain.strip().lower())


def _number_index(columns: Sequence[str], wanted: str | None, file: str) -> int:
    listing = ", ".join(repr(c) for c in columns[:30]) + (", ..." if len(columns) > 30 else "")
    if wanted is not None:
        exact = [i for i, name in enumerate(columns) if name == wanted]
        alike = [i for i, name in enumerate(columns) if name.strip().lower() == wanted.strip().lower()]
        if exact or alike:
            return _one_of(columns, exact or alike, file)
        raise InputError(f"there is no column '{wanted}'; the columns are: {listing}").at(
            file=file, line=1, field="column"
        )
    by_name: dict[str, list[int]] = {}
    for i, name in enumerate(columns):
        by_name.setdefault(_normalise(name), []).append(i)
    for alias in ALIASES:
        if alias in by_name:
            return _one_of(columns, by_name[alias], file)
    raise InputError(
        f"no column holds phone numbers (looked for phone, number, msisdn, telephone, mobile, ...); "
        f"the columns are: {listing}; name it with --column"
    ).at(file=file, line=1, field="column")


def _one_of(columns: Sequence[str], found: list[int], file: str) -> int:
    """The number column, when the header names it once: of two, which holds the numbers is a guess."""
    if len(found) > 1:
        where = ", ".join(str(i + 1) for i in found)
        raise InputError(
            f"the header names the number column '{columns[found[0]]}' {len(found)} times (columns {where}); "
            "rename the others, or name the one to read with --column"
        ).at(file=file, line=1, field="column")
    return found[0]


def _first_record_end(data: bytes, *, inside: bool = False) -> int:
    """Index just after the first newline outside double quotes (`inside`: data starts inside them);
    -1 if none yet."""
    pos = data.find(b"\n")
    quotes = int(inside) + data.count(b'"', 0, max(pos, 0))
    while pos >= 0 and quotes % 2:
        nxt = data.find(b"\n", pos + 1)
        if nxt < 0:
            return -1
        quotes += data.count(b'"', pos, nxt)
        pos = nxt
    return pos + 1 if pos >= 0 else -1


def _last_record_end(data: bytes, tries: int = 64) -> int:
    """Index just after the last newline outside double quotes; -1 if none. Quotes are counted from the
    end with bytes.count (memory speed): the last newline nearly always closes a record; after `tries`
    newlines inside quotes every position is worked out at once instead."""
    quotes = data.count(b'"')  # before `end`, as end moves back
    end = len(data)
    for _ in range(tries):
        newline = data.rfind(b"\n", 0, end)
        if newline < 0:
            return -1
        quotes -= data.count(b'"', newline, end)
        if quotes % 2 == 0:
            return newline + 1
        end = newline
    return _Marks.of(data[:end]).last_record_end()


@dataclass(frozen=True)
class _Marks:
    """Where the newlines and double quotes of a buffer are (data starts outside quotes)."""

    newlines: npt.NDArray[np.intp]
    quotes: npt.NDArray[np.intp]

    @classmethod
    def of(cls, data: bytes) -> _Marks:
        buf = np.frombuffer(data, dtype=np.uint8)
        quotes = np.flatnonzero(buf == 34) if b'"' in data else np.zeros(0, dtype=np.intp)
        return cls(np.flatnonzero(buf == 10), quotes)

    def last_record_end(self) -> int:
        """Index just after the last newline outside quotes; -1 if none."""
        outside = self.newlines[(np.searchsorted(self.quotes, self.newlines) & 1) == 0]
        return int(outside[-1]) + 1 if len(outside) else -1


def _structure(
    data: bytes, layout: Layout, marks: _Marks
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64], npt.NDArray[np.int64]] | None:
    """Per physical line: whether it ends a record (an even number of quotes before its newline); per
    record: where it ends (its newline, or the end of data) and its number of fields, delimiters
    inside quotes not counted. None when a record spans lines
    and the chunk has carriage returns (joining its lines back needs the careful path)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    newlines, quotes = marks.newlines, marks.quotes
    line_ends = newlines if data.endswith(b"\n") else np.append(newlines, len(buf))
    ends_record = (np.searchsorted(quotes, line_ends) & 1) == 0
    if not ends_record.all() and b"\r" in data:
        return None
    ends = line_ends[ends_record]
    starts = np.concatenate([[0], ends[:-1] + 1]).astype(np.int64)
    before = _Counter(buf == ord(layout.delimiter))
    delimiters = before(ends) - before(np.minimum(starts, len(buf)))
    if quotes.size > 1:
        # Quotes pair up; the bytes from an opening quote to the next quote are inside a field.
        opening, closing = quotes[0:-1:2], quotes[1::2]
        inside = before(closing) - before(opening)
        owner = np.searchsorted(starts, opening, side="right") - 1
        delimiters -= np.bincount(owner, weights=inside, minlength=len(starts)).astype(np.int64)
    return ends_record, ends.astype(np.int64), delimiters + 1


class _Counter:
    """How many flagged bytes lie before any position, from one bit per byte and popcounts per word."""

    def __init__(self, flags: npt.NDArray[np.bool_]) -> None:
        bits = np.packbits(flags, bitorder="little")
        padded = np.zeros((len(bits) + 7) // 8 * 8 + 8, dtype=np.uint8)
        padded[: len(bits)] = bits
        self.words = padded.view("<u8")
        self.prefix = np.concatenate([[0], np.cumsum(np.bitwise_count(self.words), dtype=np.int64)])

    def __call__(self, positions: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        positions = np.asarray(positions, dtype=np.int64)
        word = positions >> 6
        low = (np.uint64(1) << (positions & 63).astype(np.uint64)) - np.uint64(1)
        found: npt.NDArray[np.int64] = self.prefix[word] + np.bitwise_count(self.words[word] & low).astype(
            np.int64
        )
        return found


def _open_at_end(physical: list[str], start: int, delimiter: str) -> bool:
    """Whether the lines from `start` (one record to the lenient reader, which is kept for stray quotes
    such as 5" x 7") end inside a quoted field. The strict reader says so, unless a stray quote before it
    stops it first: then an odd count of quotes says the last one opened a field that never closed."""
    try:
        for _ in csv.reader(_lines_from(physical, start), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return str(exc) == _END_INSIDE_QUOTES or sum(line.count('"') for line in physical[start:]) % 2 == 1
    return False


def _strict_error(text: str) -> str:
    try:
        list(csv.reader([text], strict=True))
    except csv.Error as exc:
        return str(exc)
    raise AssertionError("the csv module accepted an unclosed quote")


_END_INSIDE_QUOTES = _strict_error('"')  # the csv module's own words, whatever its version


def _lines_from(physical: list[str], start: int) -> Iterator[str]:
    for k in range(start, len(physical)):
        yield physical[k] + "\n"


def _is_utf8(data: bytes | U8) -> bool:
    if isinstance(data, bytes) and data.isascii():  # most lists: a scan at memory speed
        return True
    try:
        codecs.utf_8_decode(data, "strict", True)  # type: ignore[arg-type]  # any buffer
    except UnicodeDecodeError:
        return False
    return True


def _unquote(field: bytes) -> str:
    """A field as RFC 4180 reads it (a plain chunk's quotes are whole fields')."""
    text = field.decode()
    return text[1:-1].replace('""', '"') if text.startswith('"') else text


def _lenient(text: str, layout: Layout) -> tuple[str, int]:
    try:
        row = next(csv.reader([text], delimiter=layout.delimiter))
    except (csv.Error, StopIteration):
        return "", ROW_UNPARSEABLE
    if '"' in text and _open_at_end([text], 0, layout.delimiter):  # the lenient reader closes it itself
        return "", ROW_UNPARSEABLE
    if len(row) != len(layout.columns):
        return "", ROW_FIELD_COUNT
    return row[layout.number_index], ROW_OK


def _e164(columns: ScrubColumns) -> pl.Series:
    key = pl.Series("key", columns.key)
    return pl.select(
        pl.when(pl.Series(columns.valid)).then(pl.format("+{}", key)).otherwise(pl.lit("")).alias("e164")
    )["e164"]


def _quote(text: str, delimiter: str) -> str:
    """A field as CSV writes it: quoted only when it must be."""
    return _quote_always(text) if any(ch in text for ch in (delimiter, '"', "\n", "\r")) else text


def _quote_always(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _pick(texts: Sequence[str], codes: npt.NDArray[np.uint32], delimiter: str) -> pl.Series:
    table = pl.Series([_quote(t, delimiter) for t in texts], dtype=pl.String)
    return table.gather(pl.Series(codes, dtype=pl.UInt32))


def _write_error(target: Path, exc: OSError) -> StoreError:
    return StoreError(
        f"cannot write '{target}': {exc.strerror or exc}; the previous file (if any) is unchanged"
    )
