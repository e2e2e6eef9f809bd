"""Register file formats compiled into indexes, and every kind of bad input they meet."""

from __future__ import annotations

import errno
import io
import threading
import time
from datetime import date

import numpy as np
import pytest

from dialgate.adapters.registers.files import RegisterFiles
from dialgate.adapters.registers.formats import ChunkReader
from dialgate.domain.registry import NO_DATE, RegisterFormat, RegisterSource, day_number
from dialgate.errors import InputError, StoreError


def compile_file(tmp_path, text, *, fmt="lines", region="US", name="TEST", files=None, **options):
    source = tmp_path / "source.txt"
    source.write_bytes(text if isinstance(text, bytes) else text.encode())
    files = files or RegisterFiles(tmp_path / "data")
    spec = RegisterSource(
        name=name, path=source, source_name="source.txt", format=RegisterFormat(fmt), region=region, **options
    )
    with files.lock(name):
        compiled = files.compile(spec, "SNAP1")
    return files.open_index(compiled.index_path), compiled


def members(index, *numbers):
    return index.lookup(np.array(numbers, np.uint64)).member.tolist()


def leftovers(tmp_path, name="TEST"):
    folder = tmp_path / "data" / "registers" / name
    return sorted(p.name for p in folder.iterdir() if p.name != ".lock") if folder.exists() else []


def test_lines_accept_national_and_international_forms(tmp_path):
    text = "2025550100\n202-555-0101\n(202) 555.0102\n+1 202 555 0103\n12025550104\n\n  \n2025550100\n"
    index, compiled = compile_file(tmp_path, text)
    assert compiled.count == 5
    assert members(index, 12025550100, 12025550104, 12025550105) == [True, True, False]


def test_lines_of_a_european_register_drop_the_trunk_prefix(tmp_path):
    index, _ = compile_file(tmp_path, "07700900123\r\n7700900124\r\n+447700900125\r\n", region="GB")
    assert members(index, 447700900123, 447700900124, 447700900125) == [True, True, True]


def test_a_private_list_without_region_needs_country_codes(tmp_path):
    index, _ = compile_file(tmp_path, "+33639981234\n+447700900123\n", region=None)
    assert members(index, 33639981234, 447700900123) == [True, True]
    with pytest.raises(InputError, match="no country code") as info:
        compile_file(tmp_path, "+33639981234\n0639981235\n", region=None)
    assert info.value.location.line == 2


def test_tps_reads_both_fixed_width_variants(tmp_path):
    records = ["01632 960123", "07700 900124", "07700900125 ", "01632960126 "]
    index, compiled = compile_file(tmp_path, "\r\n".join(records) + "\r\n", fmt="tps", region="GB")
    assert compiled.count == 4
    assert members(index, 441632960123, 447700900124, 447700900125, 441632960126) == [True] * 4


def test_tps_refuses_a_record_of_the_wrong_width(tmp_path):
    with pytest.raises(InputError, match="12") as info:
        compile_file(tmp_path, "07700 900124\n07700900125\n", fmt="tps", region="GB")
    assert info.value.location.line == 2


def test_ftc_full_lists_may_split_area_code_and_number(tmp_path):
    index, _ = compile_file(tmp_path, "202,5550100\n2025550101\n", fmt="ftc")
    assert members(index, 12025550100, 12025550101) == [True, True]


def test_csv_reads_the_named_column_and_listing_dates(tmp_path):
    text = "id;telefono;listed\n1;2025550100;2026-01-15\n2;2025550101;\n"
    index, compiled = compile_file(tmp_path, text, fmt="csv", column="TELEFONO", listing_date_column="listed")
    assert compiled.has_listing_dates
    hits = index.lookup(np.array([12025550100, 12025550101], np.uint64))
    assert hits.member.all()
    assert hits.listed_on.tolist() == [day_number(date(2026, 1, 15)), NO_DATE]


def test_csv_finds_a_phone_column_by_its_usual_name(tmp_path):
    index, _ = compile_file(tmp_path, "\ufeffName,Phone\nA,2025550100\n", fmt="csv")
    assert members(index, 12025550100) == [True]


def test_csv_whose_number_column_is_named_differently_is_refused_naming_the_columns(tmp_path):
    with pytest.raises(InputError, match="no phone number column: the header has name, mobile") as info:
        compile_file(tmp_path, "name,mobile\nA,2025550100\n", fmt="csv")
    assert info.value.location.line == 1
    with pytest.raises(InputError, match="no column 'phone'"):
        compile_file(tmp_path, "name,mobile\nA,2025550100\n", fmt="csv", column="phone")
    assert leftovers(tmp_path) == []


def test_a_non_number_in_the_middle_names_file_line_and_problem(tmp_path):
    text = "2025550100\n2025550101\nhello\n2025550103\n"
    with pytest.raises(InputError) as info:
        compile_file(tmp_path, text)
    error = info.value
    assert (error.location.file, error.location.line) == ("source.txt", 3)
    assert "'hello' is not a phone number" in str(error)
    assert "nothing was imported" in str(error)
    assert leftovers(tmp_path) == []


def test_a_number_with_the_wrong_length_is_refused(tmp_path):
    with pytest.raises(InputError, match="wrong number of digits") as info:
        compile_file(tmp_path, "2025550100\n202555010\n")
    assert info.value.location.line == 2


def test_a_truncated_last_line_is_reported_as_such(tmp_path):
    with pytest.raises(InputError, match="truncated") as info:
        compile_file(tmp_path, "2025550100\n2025550101\n20255")
    assert info.value.location.line == 3


def test_a_complete_last_line_without_line_end_is_fine(tmp_path):
    _, compiled = compile_file(tmp_path, "2025550100\n2025550101")
    assert compiled.count == 2


def test_the_wrong_format_flag_says_so_on_the_first_line(tmp_path):
    with pytest.raises(InputError, match="does --format match the file") as info:
        compile_file(tmp_path, "number,listed\n2025550100,2026-01-01\n", fmt="lines")
    assert info.value.location.line == 1


def test_an_empty_file_is_refused(tmp_path):
    with pytest.raises(InputError, match="empty"):
        compile_file(tmp_path, "")
    with pytest.raises(InputError, match="no phone numbers"):
        compile_file(tmp_path, "\n\n")
    assert leftovers(tmp_path) == []


def test_mixed_encodings_are_reported_with_their_line(tmp_path):
    text = "name,number\nJosé,2025550100\n".encode() + "Zoë,2025550101\n".encode("latin-1")
    with pytest.raises(InputError, match="mixes encodings") as info:
        compile_file(tmp_path, text, fmt="csv")
    assert info.value.location.line == 3
    with pytest.raises(InputError, match="byte 0xE9") as info:
        compile_file(tmp_path, b"2025550100\n" + "20255501\xe9\n".encode("latin-1"))
    assert info.value.location.line == 2


class EndlessLine(io.RawIOBase):
    """A 2 GB line of digits that is never held in memory: bytes are made as they are read."""

    def __init__(self, size: int = 2 << 30) -> None:
        self.left = size
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        n = min(len(buffer), self.left)
        buffer[:n] = b"7" * n
        self.left -= n
        self.served += n
        return n


def test_a_2_gb_line_is_refused_without_reading_it_whole():
    source = EndlessLine()
    reader = ChunkReader(io.BufferedReader(source), "huge.txt")
    with pytest.raises(InputError, match="longer than") as info:
        for _ in reader.blocks():
            pass
    assert info.value.location.line == 1
    assert source.served < 64 << 20


class FullDisk:
    """An opener whose files accept `room` bytes in all, then fail as a full disk does."""

    def __init__(self, room: int) -> None:
        self.room = room

    def __call__(self, path):
        disk = self

        class Handle(io.FileIO):
            def write(self, data) -> int:  # type: ignore[override]
                size = memoryview(data).nbytes
                if size > disk.room:
                    raise OSError(errno.ENOSPC, "No space left on device")
                disk.room -= size
                return super().write(data)

        return Handle(str(path), "wb")


def test_a_full_disk_mid_write_removes_the_partial_files(tmp_path):
    files = RegisterFiles(tmp_path / "data", opener=FullDisk(room=1000))
    text = "".join(f"20255{n:05d}\n" for n in range(2000, 3000))
    with pytest.raises(StoreError, match="disk filled up"):
        compile_file(tmp_path, text, files=files)
    assert leftovers(tmp_path) == []


def test_a_full_disk_while_spilling_runs_removes_them_too(tmp_path):
    files = RegisterFiles(tmp_path / "data", opener=FullDisk(room=5000))
    files.budget_keys = 1024  # spill sorted runs early
    text = "".join(f"20255{n:05d}\n" for n in range(2000, 9000))
    with pytest.raises(StoreError, match="disk filled up"):
        compile_file(tmp_path, text, files=files)
    assert leftovers(tmp_path) == []


def test_a_reader_left_unfinished_does_not_wait_for_its_read_in_flight():
    # A consumer that stops at a bad line leaves the reader to the garbage collector, which may close it
    # inside another thread's start; waiting there for the read-ahead thread once hung a test run.
    release = threading.Event()

    class SlowFile(io.BytesIO):
        reads = 0

        def read(self, size: int | None = -1) -> bytes:
            SlowFile.reads += 1
            if SlowFile.reads > 1:
                release.wait(10)
            return super().read(size)

    reader = ChunkReader(SlowFile(b"+12025550100\n" * 10), "slow.txt", chunk=16)  # type: ignore[arg-type]
    blocks = reader.blocks()
    next(blocks)  # the first block; the next read is in flight and blocked
    started = time.monotonic()
    blocks.close()
    waited = time.monotonic() - started
    release.set()
    assert waited < 5
