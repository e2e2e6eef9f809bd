"""Register file formats, read as a stream: `lines`, `csv`, `tps`, `ftc` (full lists and change lists).

Each reader turns a file into chunks of E.164 keys (numpy int64), with listing days where the format has
them, and reports every bad line it meets with its line number and problem. Nothing here is kept
in memory beyond one chunk (16 MiB) and one line of at most MAX_LINE bytes, whatever the file's size.
"""

from __future__ import annotations

import csv
import hashlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO, Protocol

import numpy as np

from dialgate.adapters.registers.index import NO_DAY, Int64s, UInt16s
from dialgate.domain.registry import NationalPlan, country_code_lengths, day_number
from dialgate.errors import InputError
from dialgate.services.imports import InputRow

CHUNK = 1 << 24
MAX_LINE = 1 << 20  # no register line is longer; a longer one is refused before it is read whole
MAX_REPORTED = 20
PARSERS = 2  # threads parsing blocks of a file at once
NUMBER_COLUMNS = ("number", "phone", "phone_number", "telephone", "tel", "msisdn", "e164")
_CHANGE_FLAGS = {
    "A": True,
    "ADD": True,
    "ADDED": True,
    "D": False,
    "DEL": False,
    "DELETE": False,
    "DELETED": False,
}


Block = bytes | memoryview  # whole lines; memoryview slices of a chunk avoid a copy


def ends_with_newline(block: Block) -> bool:
    return len(block) > 0 and block[-1] == 10


@dataclass
class Problems:
    """Bad lines met so far: the first MAX_REPORTED with their messages, and how many in all."""

    file: str
    messages: list[tuple[int, str]] = field(default_factory=list)
    count: int = 0

    def add(self, line: int, message: str) -> None:
        self.count += 1
        if len(self.messages) < MAX_REPORTED:
            self.messages.append((line, message))

    def raise_if_any(self) -> None:
        if not self.count:
            return
        first_line, first = self.messages[0]
        listed = "\n".join(f"  {self.file}:{line}: {msg}" for line, msg in self.messages)
        more = f"\n  … and {self.count - len(self.messages)} more" if self.count > len(self.messages) else ""
        noun = "line is" if self.count == 1 else "lines are"
        error = RegisterFileError(
            f"{first}\n{self.count} {noun} not usable, so nothing was imported "
            f"(the previous snapshot stays in force):\n{listed}{more}",
            problems=self.messages,
            total=self.count,
        )
        raise error.at(file=self.file, line=first_line)


class RegisterFileError(InputError):
    def __init__(self, message: str, *, problems: list[tuple[int, str]], total: int) -> None:
        super().__init__(message)
        self.problems = problems
        self.total = total


class ChunkReader:
    """Whole lines in blocks of about CHUNK bytes, hashing the file as it goes."""

    def __init__(self, handle: BinaryIO, file: str, *, chunk: int = CHUNK, max_line: int = MAX_LINE) -> None:
        self._handle = handle
        self.file = file
        self._chunk = chunk
        self._max_line = max_line
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.lines = 0  # lines consumed so far
        self.unterminated = False  # the last line has no line end
        self._unadvanced: deque[Block] = deque()  # handed out, line count not yet reported

    def blocks(self) -> Iterator[tuple[int, Block]]:
        """(number of the block's first line, the block); every block but the last ends with a newline.

        The consumer reports how many lines each block held (`advance`): counting them here would be
        one more pass over the file."""
        carry = b""
        # Reading and hashing the next chunk runs on a second thread while this one parses: both
        # release the GIL, so the hash costs no time on a machine with two cores.
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="register-read")
        finished = False
        try:
            ahead = pool.submit(self._read_and_hash)
            while chunk := ahead.result():
                ahead = pool.submit(self._read_and_hash)
                last = chunk.rfind(b"\n")
                if last < 0:
                    self._check_length(len(carry) + len(chunk))
                    carry += chunk
                    continue
                start = 0
                if carry:  # the line cut at the end of the previous chunk, made whole
                    start = chunk.find(b"\n") + 1
                    self._check_length(len(carry) + start)
                    yield self._hand_out(carry + chunk[:start])
                if last + 1 > start:
                    yield self._hand_out(memoryview(chunk)[start : last + 1])  # no copy
                carry = chunk[last + 1 :]
                self._check_length(len(carry))
            finished = True
        finally:
            # Waited for only when the file was read to its end. A consumer that stops early (a bad
            # line) may leave this generator to the garbage collector, which can finalise it inside
            # another thread's start while that thread holds threading's own lock: joining there hung
            # a test run. The read in flight ends by itself.
            pool.shutdown(wait=finished, cancel_futures=True)
        if carry:
            self.unterminated = True
            yield self._hand_out(carry)
        if self.size == 0:
            raise InputError("the file is empty").at(file=self.file, line=1)

    def _read_and_hash(self) -> bytes:
        chunk = self._handle.read(self._chunk)
        if chunk:
            self.sha256.update(chunk)
            self.size += len(chunk)
        return chunk

    def _hand_out(self, block: Block) -> tuple[int, Block]:
        self._unadvanced.append(block)
        return self.lines + 1, block

    def advance(self, lines: int) -> None:
        """The consumer read `lines` lines from the oldest block handed out."""
        self._unadvanced.popleft()
        self.lines += lines

    def _check_length(self, length: int) -> None:
        if length > self._max_line:
            pending = sum(bytes(b).count(b"\n") for b in self._unadvanced)
            line = self.lines + pending + 1
            raise InputError(
                f"line {line} is longer than {self._max_line:,} bytes without a line end: this is not a "
                "register file of this format (nothing was imported)"
            ).at(file=self.file, line=line)


class NumberParser:
    """National or +CC numbers, one per line, into E.164 keys: the compiled parser, and its messages."""

    def __init__(self, plan: NationalPlan | None, *, fixed_width: int = 0, comma_ok: bool = False) -> None:
        self.plan = plan
        self.fixed_width = fixed_width
        self.comma_ok = comma_ok
        lengths = country_code_lengths()
        self._cc_min = np.zeros(1000, np.int64)
        self._cc_max = np.zeros(1000, np.int64)
        for code, (lo, hi) in lengths.items():
            self._cc_min[code], self._cc_max[code] = lo, hi

    def parse(
        self, block: Block, first_line: int, problems: Problems, *, line_numbers: Int64s | None = None,
    ) -> Int64s:  # fmt: skip
        """Keys of the block's valid lines, numbered from first_line or by line_numbers."""
        return self.parse_block(block, first_line, problems, line_numbers=line_numbers)[0]

    def parse_block(
        self, block: Block, first_line: int, problems: Problems, *, line_numbers: Int64s | None = None,
        last_unterminated: bool = False, out: Int64s | None = None,
    ) -> tuple[Int64s, int]:  # fmt: skip
        """(keys, lines read); keys written to `out` when given (room for capacity(block) keys)."""
        from dialgate.adapters.registers import kernels  # numba: loaded only when a file is read

        plan = self.plan
        data = np.frombuffer(block, np.uint8)
        keys = out if out is not None else np.empty(capacity(block), np.int64)
        err_line = np.zeros(MAX_REPORTED, np.int64)  # per call: blocks are parsed on several threads
        err_code = np.zeros(MAX_REPORTED, np.int64)
        err_byte = np.zeros(MAX_REPORTED, np.int64)
        trunk = plan.trunk_prefix if plan else ""
        nk, nlines, nerr = kernels.parse_numbers(
            data,
            plan.country_code if plan else 0,
            int(trunk) if trunk else -1,
            len(trunk),
            plan.min_length if plan else 0,
            plan.max_length if plan else 0,
            bool(plan and plan.nanp),
            self._cc_min,
            self._cc_max,
            self.fixed_width,
            self.comma_ok,
            kernels.POW10,
            keys,
            err_line,
            err_code,
            err_byte,
        )
        if nerr:
            lines = bytes(block).split(b"\n")
            for k in range(min(nerr, MAX_REPORTED)):
                index = int(err_line[k])
                number = int(line_numbers[index]) if line_numbers is not None else first_line + index
                text = lines[index].rstrip(b"\r") if index < len(lines) else b""
                message = self.message(int(err_code[k]), int(err_byte[k]), text)
                if last_unterminated and index == nlines - 1:
                    message += " (the last line has no line end: is the file truncated?)"
                problems.add(number, message)
            for _ in range(nerr - MAX_REPORTED):
                problems.count += 1
        return keys[:nk], int(nlines)

    def message(self, code: int, byte: int, text: bytes) -> str:
        from dialgate.adapters.registers import kernels

        shown = text[:40].decode("utf-8", "replace") + ("…" if len(text) > 40 else "")
        plan = self.plan
        where = f"in {plan.region}" if plan else ""
        if code == kernels.E_CHAR:
            if byte >= 0x80:
                return (
                    f"'{shown}' is not a phone number: byte 0x{byte:02X} is not part of a number "
                    "(text in another encoding, or not a register file?)"
                )
            return f"'{shown}' is not a phone number ('{chr(byte)}' is not part of a number; does --format match the file?)"
        if code == kernels.E_LENGTH:
            if plan is None:
                return f"'{shown}' has the wrong number of digits for its country code"
            return (
                f"'{shown}' has the wrong number of digits for a number {where} "
                f"({plan.min_length}-{plan.max_length} digits after the trunk prefix)"
            )
        if code == kernels.E_COUNTRY:
            return f"'{shown}' is not a number of {plan.region if plan else 'this register'}'s country code +{plan.country_code if plan else ''}"
        if code == kernels.E_NO_COUNTRY:
            return f"'{shown}' has no country code: write +CC… or give --region for national numbers"
        if code == kernels.E_NANP:
            return f"'{shown}' is not a North American number (area code and exchange start with 2-9)"
        if code == kernels.E_WIDTH:
            return f"'{shown}' is {len(text)} characters wide; records of this format are {self.fixed_width}"
        if code == kernels.E_PLUS:
            return f"'{shown}' has a '+' that is not at the start"
        if code == kernels.E_UNKNOWN_CC:
            return f"'{shown}' does not start with a country code"
        return f"'{shown}' cannot be read"


@dataclass(frozen=True)
class KeyChunk:
    keys: Int64s
    days: UInt16s | None = None


def capacity(block: Block) -> int:
    """At most this many numbers fit in a block: each takes a digit and a line end."""
    return (len(block) + 1) // 2 + 1


class KeySink(Protocol):
    def add(self, keys: Int64s, days: UInt16s | None = None) -> None: ...


@dataclass
class _Parsed:
    keys: Int64s
    lines: int
    problems: Problems


def read_numbers(reader: ChunkReader, parser: NumberParser, problems: Problems, sink: KeySink) -> None:
    """`lines`, `tps` and FTC full lists: one number per line. Blocks are parsed on PARSERS threads
    (the compiled parser releases the GIL) and handed to the sink in file order."""

    def parse(block: Block) -> _Parsed:
        mine = Problems(file=problems.file)  # lines numbered within the block, from 1
        last = reader.unterminated and not ends_with_newline(block)
        keys, lines = parser.parse_block(block, 1, mine, last_unterminated=last)
        return _Parsed(keys, lines, mine)

    def settle(done: _Parsed) -> None:
        sink.add(done.keys)
        for line, message in done.problems.messages:
            problems.add(reader.lines + line, message)
        problems.count += done.problems.count - len(done.problems.messages)
        reader.advance(done.lines)

    pending: deque[Future[_Parsed]] = deque()
    with ThreadPoolExecutor(max_workers=PARSERS, thread_name_prefix="register-parse") as pool:
        for _, block in reader.blocks():
            if len(pending) > PARSERS:
                settle(pending.popleft().result())
            pending.append(pool.submit(parse, block))
        while pending:
            settle(pending.popleft().result())


def text_lines(reader: ChunkReader, encoding: str) -> Iterator[tuple[int, str]]:
    """Decoded lines with their numbers; a line that is not valid text stops the import, naming it."""
    first = True
    for first_line, block in reader.blocks():
        lines = bytes(block).splitlines(keepends=True)
        reader.advance(len(lines))
        for offset, raw in enumerate(lines):
            codec = (
                "utf-8-sig"
                if first and encoding.replace("_", "-").lower() in ("utf-8", "utf8", "utf-8-sig")
                else encoding
            )
            first = False
            try:
                yield first_line + offset, raw.decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"the line is not valid {encoding} text (byte 0x{raw[exc.start]:02X} at column "
                    f"{exc.start + 1}): the file mixes encodings; convert it, or give --encoding"
                ).at(file=reader.file, line=first_line + offset) from None
            except LookupError:
                raise InputError(f"unknown encoding '{encoding}'").at(field="encoding") from None


def csv_records(reader: ChunkReader, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the number of the line each starts on; the delimiter is read off the header."""
    numbered = text_lines(reader, encoding)
    first = next(numbered, None)
    if first is None:
        return
    current = [first[0]]

    def source() -> Iterator[str]:
        yield first[1]
        for number, text in numbered:
            current[0] = number
            yield text

    counts = {d: first[1].count(d) for d in (",", ";", "\t", "|")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    try:
        for record in csv.reader(source(), delimiter=delimiter):
            yield max(current[0] - (text_count(record) - 1), 1), record
    except csv.Error as exc:
        raise InputError(f"the file cannot be read as CSV here: {exc}").at(
            file=reader.file, line=current[0]
        ) from None


def text_count(record: list[str]) -> int:
    """How many physical lines a record spanned (quoted fields may hold line breaks)."""
    return 1 + sum(value.count("\n") for value in record)


def read_csv_numbers(
    reader: ChunkReader, parser: NumberParser, problems: Problems, *, column: str | None,
    date_column: str | None, encoding: str = "utf-8",
) -> Iterator[KeyChunk]:  # fmt: skip
    records = csv_records(reader, encoding)
    header_line, header = next(records, (1, []))
    names = [h.strip().lower() for h in header]
    if not any(names):
        raise InputError("the file has no header line naming its columns").at(file=reader.file, line=1)
    number_at = _column(names, column, NUMBER_COLUMNS, reader.file, header_line, "--column")
    date_at = None
    if date_column is not None:
        date_at = _column(names, date_column, (), reader.file, header_line, "--listing-date-column")
    values: list[str] = []
    lines: list[int] = []
    days: list[int] = []
    day_cache: dict[str, int] = {}

    def flush() -> KeyChunk:
        block = "\n".join(values).encode("utf-8", "surrogateescape")
        numbers = np.array(lines, np.int64)
        # The parser skips blank values; keep the days of the others aligned with the keys it returns.
        keys = parser.parse(block, 0, problems, line_numbers=numbers)
        chunk_days = None
        if date_at is not None and keys.size == len(days):  # otherwise lines failed: nothing is kept
            chunk_days = np.array(days, np.uint16)
        elif date_at is not None:
            keys, chunk_days = keys[:0], np.zeros(0, np.uint16)
        values.clear()
        lines.clear()
        days.clear()
        return KeyChunk(keys, chunk_days)

    for line, record in records:
        if not record or (len(record) == 1 and not record[0].strip()):
            continue
        if len(record) != len(names):
            problems.add(line, f"has {len(record)} fields where the header has {len(names)}")
            continue
        value = record[number_at]
        if "\n" in value:
            problems.add(line, "the number field holds a line break")
            continue
        if not value.strip():
            problems.add(line, f"the '{names[number_at]}' field is empty")
            continue
        if date_at is not None:
            text = record[date_at].strip()
            day = day_cache.get(text)
            if day is None:
                day = _listing_day(text)
                if day is None:
                    problems.add(line, f"'{text}' in '{names[date_at]}' is not a date such as 2026-11-23")
                    continue
                if len(day_cache) < 100_000:
                    day_cache[text] = day
            days.append(day)
        values.append(value)
        lines.append(line)
        if len(values) >= 1 << 16:
            yield flush()
    if values:
        yield flush()


def _listing_day(text: str) -> int | None:
    if not text:
        return NO_DAY
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        return None
    number = day_number(day)
    return number if 0 <= number < NO_DAY else None


def _column(
    names: list[str], wanted: str | None, defaults: tuple[str, ...], file: str, line: int, flag: str
) -> int:
    shown = ", ".join(n or "(empty)" for n in names)
    if wanted is not None:
        key = wanted.strip().lower()
        if key in names:
            return names.index(key)
        raise InputError(
            f"the header has no column '{wanted}' (columns: {shown}); name the right one with {flag}"
        ).at(file=file, line=line, field=flag.lstrip("-"))
    for candidate in defaults:
        if candidate in names:
            return names.index(candidate)
    raise InputError(
        f"no phone number column: the header has {shown}; name the column with {flag} "
        f"(looked for: {', '.join(defaults)})"
    ).at(file=file, line=line, field=flag.lstrip("-"))


@dataclass
class ChangeList:
    added: Int64s
    deleted: Int64s


def read_change_list(reader: ChunkReader, parser: NumberParser, problems: Problems) -> ChangeList:
    """An FTC change list: `AREA,NUMBER,FLAG` or `NUMBER,FLAG`, FLAG `A` (added) or `D` (deleted);
    further fields (dates) are ignored. The last record for a number wins."""
    state: dict[int, bool] = {}
    for line, text in text_lines(reader, "utf-8"):
        fields = [f.strip() for f in text.strip().split(",")]
        if len(fields) == 1 and not fields[0]:
            continue
        flag_at = next((i for i, f in enumerate(fields) if f.upper() in _CHANGE_FLAGS), None)
        if flag_at is None or flag_at == 0 or flag_at > 2:
            problems.add(
                line,
                f"'{text.strip()[:40]}' is not a change record: expected AREA,NUMBER,A|D or NUMBER,A|D",
            )
            continue
        number = "".join(fields[:flag_at])
        keys = parser.parse(number.encode("utf-8", "surrogateescape"), line, problems)
        if keys.size == 1:
            state[int(keys[0])] = _CHANGE_FLAGS[fields[flag_at].upper()]
    added = np.array(sorted(k for k, add in state.items() if add), np.int64)
    deleted = np.array(sorted(k for k, add in state.items() if not add), np.int64)
    return ChangeList(added=added, deleted=deleted)


def open_source(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise InputError(f"file '{path}' does not exist").at(file=str(path)) from None
    except (IsADirectoryError, PermissionError) as exc:
        raise InputError(f"file '{path}' cannot be read: {exc.strerror}").at(file=str(path)) from None


def iys_rows(path: Path, file: str, required: tuple[str, ...]) -> Iterator[InputRow]:
    """The rows of an İYS movement CSV as InputRows keyed by lower-case column name."""
    with open_source(path) as handle:
        reader = ChunkReader(handle, file)
        records = csv_records(reader, "utf-8")
        header_line, header = next(records, (1, []))
        names = [h.strip().lower() for h in header]
        missing = [r for r in required if r not in names]
        if missing:
            shown = ", ".join(h.strip() for h in header) or "(nothing)"
            raise InputError(
                f"this is not an İYS movement file: column '{missing[0]}' is missing (the header has: {shown})"
            ).at(file=file, line=header_line)
        for line, record in records:
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            if len(record) != len(names):
                yield InputRow(line, {}, f"has {len(record)} fields where the header has {len(names)}")
                continue
            yield InputRow(line, dict(zip(names, record, strict=True)))
