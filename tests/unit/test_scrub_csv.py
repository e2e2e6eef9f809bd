"""Scrub reads any campaign CSV and writes every row back untouched, with four more columns."""

from __future__ import annotations

import csv
import errno
import io
import os
import random
import re
import threading
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from dialgate.adapters.files import durable, scrub_csv
from dialgate.adapters.files.scrub_csv import CsvScrubFiles
from dialgate.domain.batch import BatchContext, BatchVerdicts
from dialgate.domain.bulk_numbers import parse_bulk
from dialgate.domain.campaign import Campaign
from dialgate.domain.decision import ReasonCode
from dialgate.domain.numbers import parse_number
from dialgate.domain.reasons import bit
from dialgate.domain.vocabulary import Purpose
from dialgate.errors import InputError, StoreError
from dialgate.services import scrub as scrub_service
from dialgate.services.scrub import ScrubRequest, run_scrub
from tests.fakes import InMemoryRegisterStore, InMemorySnapshot, RegisterOnlyDecider

US = Campaign(
    id="us-test", brand="acme", purpose=Purpose.MARKETING, countries=("US",), registries=("US-DNC",)
)
AT = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
LISTED = "+12125550101"
NEW = ",dialgate_e164,dialgate_verdict,dialgate_reasons,dialgate_next_allowed_at"


def registers() -> InMemoryRegisterStore:
    return InMemoryRegisterStore(InMemorySnapshot("US-DNC", [LISTED]))


@pytest.fixture
def scrub(tmp_path, number_tables):
    def run(content: bytes, *, files=None, decider=None, campaign=US, target=None, ahead=None, **options):
        source = tmp_path / "in.csv"
        source.write_bytes(content)
        target = target or tmp_path / "out.csv"
        request = ScrubRequest(source, target, campaign.id, **options)
        report = run_scrub(
            files or CsvScrubFiles(),
            lambda: number_tables,
            decider or RegisterOnlyDecider(registers()),
            BatchContext(campaign, AT, ""),
            request,
            **({} if ahead is None else {"ahead": ahead}),
        )
        return target.read_bytes(), report

    return run


def test_every_row_keeps_its_bytes_and_gains_four_columns(scrub):
    content = (
        b"id,name,phone,note\n"
        b'1,"Doe, Jane",+1 212 555 0101,"said ""no"""\n'
        b"2,,(212) 555-0102,\n"
        b'3,"two\nlines",212-555-0103,  spaced  \n'
        b'4,"Roe",   2125550104  ,""\n'
    )
    out, report = scrub(content, region="US")
    assert out == (
        b"id,name,phone,note" + NEW.encode() + b"\n"
        b'1,"Doe, Jane",+1 212 555 0101,"said ""no""",+12125550101,BLOCK,NATIONAL_REGISTRY,\n'
        b"2,,(212) 555-0102,,+12125550102,ALLOW,,\n"
        b'3,"two\nlines",212-555-0103,  spaced  ,+12125550103,ALLOW,,\n'
        b'4,"Roe",   2125550104  ,"",+12125550104,ALLOW,,\n'
    )
    assert (report.rows, report.allowed, report.blocked) == (4, 3, 1)


def _many_rows(rng: random.Random, rows: int) -> bytes:
    lines = [b"lead,phone,city,notes"]
    for i in range(rows):
        phone = rng.choice(
            [f"(212) 555-01{i % 100:02d}", f"+1 646 555 {i % 10000:04d}", "", "n/a", "+44 7700 900123"]
        )
        notes = rng.choice(["", "ok", '"a, b"', '"say ""hi"""', '"multi\nline"'])
        lines.append(f"{i},{phone},Springfield,{notes}".encode())
    return b"\n".join(lines) + b"\n"


@pytest.mark.parametrize("chunk_bytes", [7, 100, 4096])
def test_chunk_boundaries_do_not_change_the_output(scrub, chunk_bytes):
    content = _many_rows(random.Random(5), 400)
    whole, _ = scrub(content, region="US")
    pieces, report = scrub(content, region="US", files=CsvScrubFiles(chunk_bytes=chunk_bytes))
    assert pieces == whole and report.rows == 400


def test_crlf_files_keep_crlf(scrub):
    out, _ = scrub(b"phone,name\r\n+12125550102,a\r\n+12125550103,b\r\n")
    assert out == (
        b"phone,name"
        + NEW.encode()
        + b"\r\n+12125550102,a,+12125550102,ALLOW,,\r\n+12125550103,b,+12125550103,ALLOW,,\r\n"
    )


def test_a_missing_final_newline_is_added(scrub):
    out, _ = scrub(b"phone\n+12125550102")
    assert out.endswith(b"+12125550102,+12125550102,ALLOW,,\n")


def test_a_byte_order_mark_stays_at_the_start(scrub):
    out, report = scrub(b"\xef\xbb\xbfphone,name\n+12125550102,a\n")
    assert out.startswith(b"\xef\xbb\xbfphone,name,dialgate_e164")
    assert report.number_column == "phone"


def test_latin1_is_read_and_written_back_in_latin1_with_encoding(scrub):
    content = "nom,téléphone\nMüller,+12125550102\nPeña,+12125550101\n".encode("latin-1")
    out, report = scrub(content, encoding="latin-1")
    assert out == (
        "nom,téléphone"
        + NEW
        + "\nMüller,+12125550102,+12125550102,ALLOW,,\nPeña,+12125550101,+12125550101,BLOCK,NATIONAL_REGISTRY,\n"
    ).encode("latin-1")
    assert report.number_column == "téléphone"


def test_a_row_in_another_encoding_is_kept_byte_for_byte_and_marked(scrub):
    content = b"name,phone\nM\xc3\xbcller,+12125550102\nM\xfcller,+12125550103\nRoe,+12125550104\n"
    out, report = scrub(content)
    rows = out.split(b"\n")
    assert rows[1] == b"M\xc3\xbcller,+12125550102,+12125550102,ALLOW,,"
    assert rows[2] == b"M\xfcller,+12125550103,,BLOCK,INVALID_NUMBER,"
    assert rows[3] == b"Roe,+12125550104,+12125550104,ALLOW,,"
    assert report.unreadable == {"is not valid text in the file's encoding": 1}


def test_a_header_in_another_encoding_asks_for_encoding(scrub):
    with pytest.raises(InputError, match="--encoding"):
        scrub("nom,téléphone\n".encode("latin-1"))


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_other_delimiters_are_found_from_the_header(scrub, sep):
    content = f"id{sep}phone{sep}note\n1{sep}+12125550101{sep}x\n2{sep}+12125550102{sep}\n".encode()
    out, _ = scrub(content)
    assert (
        out.split(b"\n")[1]
        == f"1{sep}+12125550101{sep}x{sep}+12125550101{sep}BLOCK{sep}NATIONAL_REGISTRY{sep}".encode()
    )


def test_a_delimiter_can_be_named(scrub):
    out, _ = scrub(b"phone;note\n+12125550102;a,b\n", delimiter=";")
    assert out.split(b"\n")[1] == b"+12125550102;a,b;+12125550102;ALLOW;;"
    with pytest.raises(InputError, match="delimiter"):
        scrub(b"phone\n1\n", delimiter="ab")


def test_reasons_joined_by_a_pipe_are_quoted_in_a_pipe_separated_file(scrub):
    campaign = Campaign(
        id="us-test", brand="acme", purpose=Purpose.MARKETING, countries=("US",), registries=("US-DNC", "X")
    )
    out, _ = scrub(b"id|phone\n1|+12125550101\n", campaign=campaign)
    assert out.split(b"\n")[1] == b'1|+12125550101|+12125550101|BLOCK|"NATIONAL_REGISTRY|REGISTRY_MISSING"|'


def test_rows_with_the_wrong_number_of_fields_are_kept_and_marked(scrub):
    """Under their own headers: a short row gets empty fields, a long one keeps its extras in its last
    column (a reader of the output must find BLOCK under dialgate_verdict, not an input field)."""
    content = b'id,phone,note\n1,+12125550102\n2,+12125550103,a,b\n3,+12125550104,"a,b"\n4,+12125550105,"x"\n'
    out, report = scrub(content)
    assert out.split(b"\n")[1:5] == [
        b"1,+12125550102,,,BLOCK,INVALID_NUMBER,",
        b'2,+12125550103,"a,b",,BLOCK,INVALID_NUMBER,',
        b'3,+12125550104,"a,b",+12125550104,ALLOW,,',
        b'4,+12125550105,"x",+12125550105,ALLOW,,',
    ]
    assert report.unreadable == {"has a different number of fields than the header": 2}


def test_a_chunk_whose_rows_all_stop_before_the_number_column_is_kept_and_marked(scrub):
    # chunks of 4 bytes: the rows "2" and "3" arrive alone, with no field where the number should be
    out, report = scrub(
        b"id,phone\n1,+12125550102\n2\n3\n4,+12125550103\n", files=CsvScrubFiles(chunk_bytes=4)
    )
    verdicts = [row.split(b",")[-3] for row in out.splitlines()[1:]]
    assert verdicts == [b"ALLOW", b"BLOCK", b"BLOCK", b"ALLOW"]
    assert report.unreadable == {"has a different number of fields than the header": 2}


def test_stray_quotes_inside_a_field_are_read_like_the_csv_module_does(scrub):
    out, report = scrub(b'id,phone,size\n1,+12125550102,5" x 7"\n2,+12125550103,ok\n')
    assert out.split(b"\n")[1] == b'1,+12125550102,5" x 7",+12125550102,ALLOW,,'
    assert report.unreadable == {}


def test_a_quote_that_never_closes_costs_one_row_only(scrub):
    content = b'id,phone,note\n1,+12125550102,"open\n' + b"".join(
        f"{i},+1212555{i:04d},x\n".encode() for i in range(2, 60)
    )
    out, report = scrub(content, files=CsvScrubFiles(chunk_bytes=64, max_record_bytes=256))
    rows = out.split(b"\n")
    assert (
        rows[1] == b'"1,+12125550102,""open",,,,BLOCK,INVALID_NUMBER,'
    )  # the line whole, in the first column
    assert rows[2] == b"2,+12125550002,x,+12125550002,ALLOW,,"
    assert report.rows == 59 and report.unreadable == {"cannot be read as CSV": 1}


@pytest.mark.parametrize("chunk_bytes", [16, 64, 1 << 20])
def test_a_quote_that_never_closes_at_the_end_of_a_small_file_costs_one_row_only(scrub, chunk_bytes):
    # the whole rest of the file fits in memory, so the csv module would read it as one record
    content = b'id,phone,note\n1,+12125550102,x\n2,+12125550101,"open\n3,+12125550103,ok\n4,+12125550104,ok\n'
    out, report = scrub(content, files=CsvScrubFiles(chunk_bytes=chunk_bytes))
    assert out.split(b"\n")[1:-1] == [
        b"1,+12125550102,x,+12125550102,ALLOW,,",
        b'"2,+12125550101,""open",,,,BLOCK,INVALID_NUMBER,',
        b"3,+12125550103,ok,+12125550103,ALLOW,,",
        b"4,+12125550104,ok,+12125550104,ALLOW,,",
    ]
    assert report.rows == 4 and report.unreadable == {"cannot be read as CSV": 1}


@pytest.mark.parametrize("chunk_bytes", [16, 1 << 20])
def test_a_stray_quote_before_the_unclosed_one_does_not_hide_it(scrub, chunk_bytes):
    content = b'id,phone,note\n1,+12125550102,x\n2,+12125550101,"a\nb"c,"open\n3,+12125550103,ok\n4,+12125550104,ok\n'
    out, report = scrub(content, files=CsvScrubFiles(chunk_bytes=chunk_bytes))
    rows = out.split(b"\n")[1:-1]
    assert rows[-2:] == [b"3,+12125550103,ok,+12125550103,ALLOW,,", b"4,+12125550104,ok,+12125550104,ALLOW,,"]
    assert report.rows == 5 and report.unreadable == {"cannot be read as CSV": 2}


def test_a_closed_quote_after_a_stray_one_is_still_one_record(scrub):
    out, report = scrub(b'id,phone,note\n1,+12125550102,"a\nb"c\n2,+12125550103,ok\n')
    assert out.split(b"\n")[1:-1] == [
        b'1,+12125550102,"a',
        b'b"c,+12125550102,ALLOW,,',
        b"2,+12125550103,ok,+12125550103,ALLOW,,",
    ]
    assert report.rows == 2 and report.unreadable == {}


def test_a_line_longer_than_the_limit_is_streamed_through_and_marked(scrub):
    long_line = b"1,+12125550102," + b"x" * 10_000
    content = b"id,phone,note\n" + long_line + b"\r\n2,+12125550103,y\n"
    out, report = scrub(content, files=CsvScrubFiles(chunk_bytes=100, max_record_bytes=500))
    rows = out.split(b"\n")
    assert rows[1] == b'"' + long_line + b'",,,,BLOCK,INVALID_NUMBER,'  # whole, in the first column
    assert rows[2] == b"2,+12125550103,y,+12125550103,ALLOW,,"
    assert report.unreadable == {"is too long to be a CSV row": 1}


@pytest.mark.parametrize("chunk_bytes", [16, 1 << 20])
def test_a_reader_of_the_output_finds_every_row_and_its_verdict_under_its_header(scrub, chunk_bytes):
    """Whatever was wrong with a row, the output is CSV a reader splits into the input's rows, each with
    its verdict in dialgate_verdict: an unclosed quote must not swallow the rows after it."""
    good = [f"{i},+1212555{i:04d},ok" for i in range(10, 40)]
    bad = ["1,+12125550102", "2,+12125550103,a,b,c", '3,"x"y"z,+12125550105,n', "4", '5,+12125550104,"open']
    lines = good[:10] + bad + good[10:]
    content = ("id,phone,note\n" + "\n".join(lines) + "\n").encode()
    out, report = scrub(content, files=CsvScrubFiles(chunk_bytes=chunk_bytes, max_record_bytes=4096))
    rows = list(csv.DictReader(io.StringIO(out.decode())))
    assert len(rows) == len(lines) == report.rows
    assert all(None not in row and len(row) == 7 for row in rows)  # no field beyond the header
    assert [r["dialgate_verdict"] for r in rows[10:15]] == ["BLOCK"] * 5
    assert [r["dialgate_reasons"] for r in rows[10:15]] == ["INVALID_NUMBER"] * 5
    assert [r["id"] for r in rows[:10] + rows[15:]] == [line.split(",")[0] for line in good]
    assert rows[14]["id"] == '5,+12125550104,"open' and rows[11]["note"] == "a,b,c"


def test_empty_and_garbage_numbers_are_marked_invalid_never_dropped(scrub):
    out, report = scrub(b"phone,n\n,1\n   ,2\ncall me,3\n+999 1234,4\n\n+12125550102,5\n")
    assert out.split(b"\n")[1:6] == [
        b",1,,BLOCK,INVALID_NUMBER,",
        b"   ,2,,BLOCK,INVALID_NUMBER,",
        b"call me,3,,BLOCK,INVALID_NUMBER,",
        b"+999 1234,4,,BLOCK,INVALID_NUMBER,",
        b"+12125550102,5,+12125550102,ALLOW,,",
    ]
    assert report.rows == 5 and report.reasons["INVALID_NUMBER"] == 4


def test_destinations_outside_the_campaign_or_any_pack_are_blocked(scrub):
    out, report = scrub(b"phone\n+447700900123\n+81312345678\n")
    assert out.split(b"\n")[1:3] == [
        b"+447700900123,+447700900123,BLOCK,DESTINATION_NOT_ALLOWED,",
        b"+81312345678,+81312345678,BLOCK,UNSUPPORTED_DESTINATION,",
    ]
    assert dict(report.reasons) == {"DESTINATION_NOT_ALLOWED": 1, "UNSUPPORTED_DESTINATION": 1}


def test_a_register_the_campaign_names_but_nobody_loaded_blocks_every_valid_row(scrub):
    out, report = scrub(b"phone\n+12125550102\nbad\n", decider=RegisterOnlyDecider(None))
    assert out.split(b"\n")[1:3] == [
        b"+12125550102,+12125550102,BLOCK,REGISTRY_MISSING,",
        b"bad,,BLOCK,INVALID_NUMBER,",
    ]
    assert report.snapshots == []


def test_the_e164_column_is_what_the_single_parse_gives_for_a_mixed_country_file(scrub):
    numbers = ["+1 212 555 0102", "0044 7700 900123", "+33 6 39 98 00 12", "030 23125000", "+55 11 91234-5678",
               "(212) 555-0199", "06 1234 5678", "+90 212 000 0100", "0171 3920000", "nope"]  # fmt: skip
    content = ("phone\n" + "\n".join(f'"{n}"' for n in numbers) + "\n").encode()
    out, _ = scrub(content, region="DE")
    e164 = [row.split(b",")[-4].decode() for row in out.split(b"\n")[1:-1]]
    expected = []
    for n in numbers:
        try:
            expected.append(parse_number(n, "DE").e164)
        except InputError:
            expected.append("")
    assert e164 == expected


@pytest.mark.parametrize("header", ["Phone Number", "MSISDN", "telephone", "Mobile", " phone_number "])
def test_the_number_column_is_found_by_its_usual_names(scrub, header):
    out, report = scrub(f"id,{header}\n1,+12125550102\n".encode())
    assert report.number_column == header and out.split(b"\n")[1].endswith(b",+12125550102,ALLOW,,")


def test_a_missing_number_column_names_the_columns_found(scrub):
    with pytest.raises(InputError) as info:
        scrub(b"id,name,email\n1,a,b\n")
    assert "'id', 'name', 'email'" in info.value.message and "--column" in info.value.message
    assert info.value.location is not None and info.value.location.line == 1


def test_an_explicit_column_is_matched_whatever_its_case(scrub):
    _, report = scrub(b"ID,Contact\n1,+12125550102\n", column="contact")
    assert report.number_column == "Contact"
    with pytest.raises(InputError, match="no column 'fax'; the columns are: 'ID', 'Contact'"):
        scrub(b"ID,Contact\n1,+12125550102\n", column="fax")


def test_an_empty_file_is_refused_and_a_header_alone_gives_a_header(scrub):
    with pytest.raises(InputError, match="empty"):
        scrub(b"")
    out, report = scrub(b"phone\n")
    assert out == b"phone" + NEW.encode() + b"\n" and report.rows == 0


def test_the_output_never_overwrites_the_input(scrub, tmp_path):
    with pytest.raises(InputError, match="overwrite the input"):
        scrub(b"phone\n+12125550102\n", target=tmp_path / "in.csv")
    with pytest.raises(InputError, match="does not exist"):
        scrub(b"phone\n+12125550102\n", target=tmp_path / "nowhere" / "out.csv")


class _FailingDecider:
    """Decides the first chunk, then fails as a crash (or Ctrl-C) would."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.inner = RegisterOnlyDecider(registers())
        self.error = error or RuntimeError("killed mid-run")

    def start(self, context):
        run = self.inner.start(context)
        calls = {"n": 0}
        error = self.error

        class Run:
            snapshots = run.snapshots

            def decide(self, numbers):
                calls["n"] += 1
                if calls["n"] == 2:
                    raise error
                return run.decide(numbers)

        return Run()


def _previous_output(tmp_path: Path) -> Path:
    target = tmp_path / "out.csv"
    target.write_bytes(b"a complete earlier result\n")
    return target


@pytest.mark.parametrize("error", [RuntimeError("killed"), KeyboardInterrupt()])
def test_a_crash_mid_run_leaves_the_previous_output_and_no_temporary_file(scrub, tmp_path, error):
    target = _previous_output(tmp_path)
    content = _many_rows(random.Random(1), 300)
    with pytest.raises(type(error)):
        scrub(content, decider=_FailingDecider(error), files=CsvScrubFiles(chunk_bytes=256))
    assert target.read_bytes() == b"a complete earlier result\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]
    assert not [t for t in threading.enumerate() if t.name.startswith("scrub-")]  # every stage stopped


@pytest.mark.parametrize("ahead", [1, 3])
def test_parsing_ahead_in_another_thread_changes_nothing(scrub, ahead):
    content = _many_rows(random.Random(7), 400)
    files = CsvScrubFiles(chunk_bytes=256)
    alone, alone_report = scrub(content, region="US", files=files, ahead=0)
    ahead_out, ahead_report = scrub(content, region="US", files=files, ahead=ahead)
    assert ahead_out == alone
    assert ahead_report.counts() == alone_report.counts()


def test_a_failure_while_parsing_ahead_leaves_the_previous_output_and_no_temporary_file(
    scrub, tmp_path, monkeypatch
):
    target = _previous_output(tmp_path)
    calls = []

    def parse_then_fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(threading.current_thread().name)
        if len(calls) == 4:
            raise RuntimeError("parser killed")
        return parse_bulk(*args, **kwargs)

    monkeypatch.setattr(scrub_service, "parse_bulk", parse_then_fail)
    with pytest.raises(RuntimeError, match="parser killed"):
        scrub(_many_rows(random.Random(1), 300), files=CsvScrubFiles(chunk_bytes=256), ahead=2)
    assert set(calls) == {"scrub-parse"}  # the failure happened in the background thread
    assert target.read_bytes() == b"a complete earlier result\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


class _FullDisk(io.FileIO):
    """A file on a disk that fills up after `room` bytes."""

    def __init__(self, path: Path, room: int) -> None:
        super().__init__(path, "xb")
        self.room = room

    def write(self, data) -> int:  # type: ignore[override]
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return super().write(data)


def test_a_full_disk_leaves_the_previous_output_and_no_temporary_file(scrub, tmp_path):
    target = _previous_output(tmp_path)
    files = CsvScrubFiles(chunk_bytes=256, opener=lambda path: _FullDisk(path, 1000))
    with pytest.raises(StoreError, match="No space left on device") as info:
        scrub(_many_rows(random.Random(2), 300), files=files)
    assert "out.csv" in info.value.message
    assert target.read_bytes() == b"a complete earlier result\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


class _LaterDecider:
    """Blocks every valid row until a fixed instant, as the engine does for calling hours."""

    def start(self, context):
        class Run:
            snapshots = ()

            def decide(self, numbers):
                rows = len(numbers)
                hours = np.uint64(bit(ReasonCode.OUTSIDE_CALLING_HOURS))
                when = np.where(numbers.valid, int(datetime(2026, 11, 23, 13, 0, tzinfo=UTC).timestamp()), -1)
                return BatchVerdicts(
                    np.ones(rows, bool), np.full(rows, hours, np.uint64), when.astype(np.int64)
                )

        return Run()


def test_next_allowed_at_is_written_in_the_callees_own_offset(scrub):
    campaign = Campaign(id="all", brand="acme", purpose=Purpose.MARKETING, countries=("FR", "US"))
    out, report = scrub(b"phone\n+33639980012\n+12125550102\n", campaign=campaign, decider=_LaterDecider())
    assert out.split(b"\n")[1:3] == [
        b"+33639980012,+33639980012,BLOCK,OUTSIDE_CALLING_HOURS,2026-11-23T14:00:00+01:00",
        b"+12125550102,+12125550102,BLOCK,OUTSIDE_CALLING_HOURS,2026-11-23T08:00:00-05:00",
    ]
    assert report.reasons == {"OUTSIDE_CALLING_HOURS": 2}


def test_a_quoted_line_break_in_a_crlf_file_is_kept_exactly(scrub):
    content = b'id,phone,note\r\n1,+12125550102,"line one\r\nline two"\r\n2,+12125550103,x\r\n'
    out, report = scrub(content)
    assert out == (
        b"id,phone,note"
        + NEW.encode()
        + b'\r\n1,+12125550102,"line one\r\nline two",+12125550102,ALLOW,,\r\n'
        b"2,+12125550103,x,+12125550103,ALLOW,,\r\n"
    )
    assert report.rows == 2


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("terminator", [b"\n", b"\r\n"])
def test_the_three_readings_give_the_same_output(scrub, monkeypatch, seed, terminator):
    content = _many_rows(random.Random(seed), 300)
    if terminator == b"\r\n":  # a quoted line break in a CRLF file takes the careful reading
        content = content.replace(b'"multi\nline"', b'"multi line"').replace(b"\n", terminator)
    files = CsvScrubFiles(chunk_bytes=2048)
    plain_chunks = []
    plain = scrub_csv.CsvSource._plain

    def counted(self, data, first, *, final):  # type: ignore[no-untyped-def]
        found = plain(self, data, first, final=final)
        plain_chunks.append(found is not None)
        return found

    monkeypatch.setattr(scrub_csv.CsvSource, "_plain", counted)
    first, _ = scrub(content, region="US", files=files)
    assert any(plain_chunks)  # the plain reading did read some chunks
    monkeypatch.setattr(scrub_csv.CsvSource, "_plain", lambda self, data, first, *, final: None)
    fast, _ = scrub(content, region="US", files=files)
    monkeypatch.setattr(scrub_csv.CsvSource, "_fast", lambda self, data, first, marks: None)
    careful, _ = scrub(content, region="US", files=files)
    assert first == fast == careful


@pytest.mark.parametrize("seed", range(20))
def test_a_chunk_is_cut_after_the_last_newline_outside_quotes(seed):
    rng = random.Random(seed)
    data = bytes(rng.choice(b'ab,"\n') for _ in range(rng.randrange(0, 80)))
    buf = np.frombuffer(data, dtype=np.uint8)
    outside = [i + 1 for i in np.flatnonzero(buf == 10) if np.count_nonzero(buf[:i] == 34) % 2 == 0]
    expected = outside[-1] if outside else -1
    assert scrub_csv._last_record_end(data) == expected
    assert scrub_csv._last_record_end(data, tries=1) == expected  # past its tries: every position at once


def test_the_output_is_handed_to_the_disk_as_it_is_written_not_only_at_the_end(scrub, monkeypatch):
    handed: list[tuple[int, int]] = []
    monkeypatch.setattr(scrub_csv, "WRITEBACK_BYTES", 1000)
    monkeypatch.setattr(
        scrub_csv.os, "posix_fadvise", lambda fd, start, size, advice: handed.append((start, size))
    )
    out, _ = scrub(_many_rows(random.Random(3), 300), files=CsvScrubFiles(chunk_bytes=256))
    assert len(handed) > 5
    assert [start for start, _ in handed[1:]] == [s + n for s, n in handed[:-1]]  # one range after another
    assert handed[0][0] == 0 and sum(n for _, n in handed) <= len(out)


def test_the_output_is_synced_as_it_grows_not_only_at_the_end(scrub, monkeypatch):
    synced: list[int] = []
    monkeypatch.setattr(scrub_csv, "WRITEBACK_BYTES", 1000)
    monkeypatch.setattr(durable, "SYNC_BYTES", 3000)
    monkeypatch.setattr(durable.os, "fdatasync", lambda fd: synced.append(os.fstat(fd).st_size))
    out, _ = scrub(_many_rows(random.Random(3), 300), files=CsvScrubFiles(chunk_bytes=256))
    assert synced, "no sync before the final one"
    assert synced == sorted(synced) and synced[-1] < len(out)


def test_a_failed_sync_along_the_way_fails_the_scrub_though_the_final_one_succeeds(
    scrub, tmp_path, monkeypatch
):
    """Linux reports a failed writeback to one fsync only: the one in the background must not swallow it."""
    target = _previous_output(tmp_path)

    def fails(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(scrub_csv, "WRITEBACK_BYTES", 1000)
    monkeypatch.setattr(durable, "SYNC_BYTES", 3000)
    monkeypatch.setattr(durable.os, "fdatasync", fails)
    with pytest.raises(StoreError, match="Input/output error"):
        scrub(_many_rows(random.Random(3), 300), files=CsvScrubFiles(chunk_bytes=256))
    assert target.read_bytes() == b"a complete earlier result\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


_MESSY_FIELDS = [
    b"", b"plain", b"  spaced  ", b'"a, b"', b'"say ""hi"""', b'"multi\nline"', b'"multi\r\nline"', b'5" x 7',
    b'"unclosed', b"caf\xc3\xa9", b"bad\xff", b"cr\ralone", b'""', b'"x"y', b"\xef\xbb\xbf", b";", b"|",
]  # fmt: skip
_MESSY_PHONES = [
    b"(212) 555-0101", b"+1 646 555 0142", b"2125550199", b"", b"n/a", b"+44 7700 900123",
    b'"+1 212 555 0102"', b'" 212-555-0103 "', b"1-212-555-0104", b"555-CALL", b'"21""2"',
]  # fmt: skip


def _messy(rng: random.Random) -> bytes:
    """A small list as people send them: any delimiter and line end, a byte order mark, blank lines,
    quoted line breaks, stray and unclosed quotes, other encodings, rows with too few or many fields."""
    sep, term = rng.choice([b",", b";", b"\t"]), rng.choice([b"\n", b"\r\n"])
    width = rng.randint(1, 5)
    phone_at = rng.randrange(width)
    header = [b"phone" if i == phone_at else b"c%d" % i for i in range(width)]
    lines = [(scrub_csv.BOM if rng.random() < 0.1 else b"") + sep.join(header)]
    odd = rng.random()  # how often a field is an odd one
    for _ in range(rng.randint(0, 60)):
        row = [rng.choice(_MESSY_FIELDS if rng.random() < odd else _MESSY_FIELDS[:3]) for _ in range(width)]
        row[phone_at] = rng.choice(_MESSY_PHONES)
        if rng.random() < odd * 0.2:
            row = row[: rng.randrange(width + 1)] if rng.random() < 0.5 else [*row, b"extra"]
        lines.append(b"" if rng.random() < 0.05 else sep.join(row))
    return term.join(lines) + (term if rng.random() < 0.8 else b"")


@pytest.mark.parametrize("seed", range(4))
def test_messy_lists_read_by_chunks_give_what_they_give_without_the_plain_reading(scrub, monkeypatch, seed):
    # The plain reading also decides where a chunk ends; the others are handed chunks cut by counting
    # quotes. (The fast and careful readings still disagree on a few broken rows: unclosed quotes, a
    # carriage return alone in a CRLF file.)
    rng = random.Random(seed)
    contents = [_messy(rng) for _ in range(25)]
    for chunk_bytes in (16, 300, 4096, 1 << 20):
        files = CsvScrubFiles(chunk_bytes=chunk_bytes, max_record_bytes=max(4 * chunk_bytes, 256), overlap=0)
        with monkeypatch.context() as m:
            m.setattr(scrub_csv.CsvSource, "_plain", lambda self, *args, **kwargs: None)
            expected = [scrub(content, region="US", files=files, ahead=0) for content in contents]
        found = [scrub(content, region="US", files=files, ahead=0) for content in contents]
        for (out, report), (expected_out, expected_report) in zip(found, expected, strict=True):
            assert out == expected_out
            assert report.counts() == expected_report.counts()


def test_the_e164_digits_are_written_as_str_writes_them():
    from dialgate.adapters.text_kernels import append_columns

    keys = np.array([0, 7, 10, 99, 100, 12125550101, 447700900123, 2**64 - 1], dtype=np.uint64)
    rows = len(keys)
    empty = np.zeros(0, dtype=np.uint8)
    out = np.empty(rows * 30, dtype=np.uint8)
    nothing = np.zeros(rows, dtype=np.int64)
    used = append_columns(empty, nothing, nothing, keys, np.ones(rows, bool), np.frombuffer(b"", np.uint8),
                          np.zeros(2, np.int64), np.zeros((rows, 3), np.int64),
                          np.frombuffer(b",", np.uint8), np.frombuffer(b"\n", np.uint8), out)  # fmt: skip
    assert out[:used].tobytes() == b"".join(b",+%d\n" % k for k in keys.tolist())


@pytest.mark.parametrize("seed", range(10))
def test_the_word_at_a_time_searches_stop_where_a_byte_at_a_time_search_does(seed):
    from dialgate.adapters.text_kernels import find_special, past_delimiters

    rng = random.Random(seed)
    data = np.frombuffer(
        bytes(rng.choice(b'ab,;"\r\n\x00\xc3\xff') for _ in range(rng.randrange(40))), np.uint8
    )
    words = data[: len(data) // 8 * 8].view(np.uint64)
    for n in range(len(data) + 1):
        for q in range(n + 1):
            stop = next((p for p in range(q, n) if data[p] in b'\n\r"'), n)
            assert find_special(data, words, q, n, ord(",")) == (stop, data[q:stop].tobytes().count(b","))
            seps = [p + 1 for p in range(q, stop) if data[p] == ord(",")]
            for k in (1, 2, 3):
                assert past_delimiters(data, words, q, n, ord(","), k) == (
                    seps[k - 1] if len(seps) >= k else -1
                )


def _plain_rows(rng: random.Random) -> bytes:
    """Rows of the plainest CSV the block scan takes: fields quoted whole or not at all (quoted ones
    with delimiters, line feeds and doubled quotes inside), any field count; a fifth with CRLF (and no
    quoted line feeds)."""

    def field() -> bytes:
        if rng.random() < 0.25:
            return (
                b'"'
                + b"".join(
                    rng.choice([b"a", b"1", b",", b"\n", b'""', b" "]) for _ in range(rng.randrange(8))
                )
                + b'"'
            )
        return b"".join(
            rng.choice([b"a", b"1", b"2", b" ", b"+", b"-", b"(", b")", b"5"])
            for _ in range(rng.randrange(14))
        )

    rows = [
        b",".join(field() for _ in range(rng.choice([1, 2, 3, 4, 4, 4, 5]))) for _ in range(rng.randrange(14))
    ]
    text = b"\n".join(rows) + rng.choice([b"", b"\n", b"\n\n"])
    return text.replace(b"\n", b"\r\n") if rng.random() < 0.2 else text


@pytest.mark.parametrize("seed", range(6))
def test_the_block_scan_finds_what_the_walk_finds_or_leaves_the_data_to_it(seed):
    from dialgate.adapters.text_kernels import scan_blocks, walk_records

    rng = random.Random(seed)
    taken = 0
    for trial in range(400):
        content = _plain_rows(rng) if trial % 4 else _messy(rng).split(b"\n", 1)[-1]
        data = np.frombuffer(content, dtype=np.uint8)
        for final in (True, False):
            for column, columns in ((0, 1), (1, 4), (3, 4)):
                done, *seen = scan_blocks(data, final, ord(","), column, columns)
                if not done:  # a carriage return, a stray quote, a quote open at the end
                    continue
                taken += 1
                rows, used, lines, first, regular, found = walk_records(
                    data, final, ord(","), column, columns
                )
                assert regular
                assert (seen[0], seen[1], seen[2], seen[3]) == (rows, used, lines, first)
                assert [c[:rows].tolist() for c in seen[5]] == [c[:rows].tolist() for c in found]
                assert seen[4] == (data[: len(data) if final else used] < 128).all()
    assert taken > 1500  # the plain rows are taken (so this compares something)


def test_the_block_scan_leaves_lone_carriage_returns_stray_quotes_and_unclosed_quotes_to_the_walk():
    from dialgate.adapters.text_kernels import scan_blocks

    def done(text: bytes, final: bool = True) -> bool:
        return bool(scan_blocks(np.frombuffer(text, dtype=np.uint8), final, ord(","), 1, 2)[0])

    assert done(b'a,"b ""c"", d"\ne,f\n') and done(b"a,b\n" * 40)
    assert done(b"a,b\r\nc,d\r\n" * 9)  # (a CR at the end of one block, its LF at the start of the next)
    assert not done(b"a,b\rc,d\r\n") and not done(b"a,b\r\nc,d\r") and not done(b"a,b\r\n" * 15 + b"cd,\r")
    assert not done(b'a,"b\r\nc"\r\n')  # a CR inside quotes
    assert not done(b'a,"b\nc"\r\n')  # a quoted line break in a CRLF file
    assert not done(b'a,b"c\n')  # a quote inside a field
    assert not done(b'a,"b"c\n')  # text after a closing quote
    assert not done(b'a,"b\n')  # open at the end of the file
    assert done(b'a,b\nc,"d\n', final=False)  # open at the end of a chunk: the next one completes it


@pytest.mark.parametrize("length", [0, 1, 63, 64, 65, 200, 1000])
def test_the_block_marks_are_the_bytes_each_class_holds(length):
    from dialgate.adapters.text_kernels import block_marks

    rng = np.random.default_rng(length)
    # mostly the bytes the masks look for, so that every lane of every block meets each class
    data = rng.choice(np.array([10, 13, 34, 59, 0, 97, 127, 128, 200, 255], dtype=np.uint8), length)
    padded = np.concatenate([data, np.zeros(-length % 64, dtype=np.uint8)])
    marks = np.empty(len(padded) // 64 * 4, dtype=np.uint64)
    newlines, ascii = block_marks(data, length, ord(";"), marks)

    def bits(hit: np.ndarray) -> list[int]:  # bit j of word b: byte 64 * b + j
        hit = np.concatenate([hit, np.zeros(len(padded) - length, dtype=bool)]).reshape(-1, 64)
        return [sum(1 << int(j) for j in np.flatnonzero(row)) for row in hit]

    expected = [bits(data == byte) for byte in (10, 34, ord(";"), 13)]  # line feeds, quotes, delimiters, CRs
    assert [marks[i::4].tolist() for i in range(4)] == expected
    assert newlines == int((data == 10).sum())
    assert ascii == bool((data < 128).all())


@pytest.mark.parametrize("final", [True, False])
@pytest.mark.parametrize("plain", [True, False])
def test_the_record_scan_says_whether_what_it_used_is_ascii(final, plain):
    from dialgate.adapters.text_kernels import scan_records

    rows = b"a,+12125550101\n" * 20 + (b"" if plain else b'b,"x""y"z\n')  # a stray quote: the walk reads it
    for text, ascii in (
        (rows, True),
        ("é,+12125550101\n".encode() + rows, False),
        (rows + "é,1".encode(), not final),
    ):  # (unless final, not used)
        found = scan_records(np.frombuffer(text, dtype=np.uint8), final, ord(","), 1, 2)
        if found[4]:  # regular (the walk gives up on the stray quote: then the rest means nothing)
            assert found[5] == ascii, text


@pytest.mark.parametrize("seed", range(10))
def test_the_plain_scan_finds_the_same_records_wherever_the_words_begin(seed):
    from dialgate.adapters.text_kernels import scan_records

    rng = random.Random(seed)
    content = _messy(rng).split(b"\n", 1)[-1]  # the rows alone
    for final, sep in ((True, rng.choice(b",;\t")), (False, rng.choice(b",;\t"))):
        expected = None
        for shift in range(9):  # blank lines before the rows move every byte against the word boundaries
            data = np.frombuffer(b"\n" * shift + content, dtype=np.uint8)
            rows, used, lines, first, regular, _ascii, found = scan_records(data, final, sep, 1, 3)
            found = [column[:rows].tolist() for column in found]
            for moved in (0, 1, 2, 3):  # starts, ends, number_at and number_end (-1: none)
                found[moved] = [p - shift if p >= 0 else p for p in found[moved]]
            seen = (rows, used - shift, lines - shift, first - shift if rows else first, regular, found)
            expected = expected or seen
            assert regular == expected[4]
            if regular:  # (otherwise the rest means nothing)
                assert seen == expected


def test_the_second_reading_of_an_irregular_row_does_not_close_an_open_quote_itself():
    """The csv module, lenient, ends a field at the end of the text when its quote never closed: such a
    row is not CSV, even when that gives it the header's number of fields."""
    layout = scrub_csv.Layout(
        Path("in.csv"), ("id", "phone", "note"), 1, ",", "\n", "id,phone,note", False, "utf-8", False
    )
    assert scrub_csv._lenient('5,+12125550104,"open', layout) == ("", scrub_csv.ROW_UNPARSEABLE)
    assert scrub_csv._lenient('5,+12125550104,5" x 7"', layout) == ("+12125550104", scrub_csv.ROW_OK)
    assert scrub_csv._lenient("5,+12125550104", layout) == ("", scrub_csv.ROW_FIELD_COUNT)


def test_an_output_through_a_symbolic_link_is_written_to_the_file_it_points_to(scrub, tmp_path):
    real = tmp_path / "lists" / "today.csv"
    real.parent.mkdir()
    real.write_text("yesterday's list\n")
    link = tmp_path / "latest.csv"
    link.symlink_to(real)
    out, _ = scrub(b"id,phone\n1,+12125550102\n", target=link)
    assert link.is_symlink() and link.resolve() == real
    assert real.read_bytes() == out and out.startswith(b"id,phone" + NEW.encode())
    assert not list(tmp_path.glob(".*.partial")) and not list(real.parent.glob(".*.partial"))


def test_an_output_that_is_not_a_regular_file_is_refused_and_left_alone(scrub, tmp_path):
    fifo = tmp_path / "not-a-file"
    os.mkfifo(fifo)  # as /dev/null would be: renaming the list over it would replace it
    with pytest.raises(InputError, match="is not a regular file") as caught:
        scrub(b"id,phone\n1,+12125550102\n", target=fifo)
    assert caught.value.location is not None and caught.value.location.field == "output"
    assert fifo.is_fifo()


def test_a_scrubs_output_is_not_scrubbed_again(scrub, tmp_path):
    """Its verdicts would stay beside the new ones, first, where a reader looking a name up finds them."""
    out, _ = scrub(b"id,phone\n1,+12125550102\n")
    with pytest.raises(InputError, match=r"already has dialgate's columns \(dialgate_e164, dialgate_verdict"):
        scrub(out, target=tmp_path / "again.csv")
    assert not (tmp_path / "again.csv").exists()


@pytest.mark.parametrize("chunk_bytes", [16, 64, 1 << 20])
def test_the_report_names_the_lines_of_the_rows_it_could_not_read(scrub, chunk_bytes):
    content = (
        b"id,phone,note\n"  # line 1
        b'1,+12125550102,"two\nlines"\n'  # lines 2-3: one record
        b"2,+12125550103\n"  # line 4: a field short
        b"\n"  # line 5: blank, no row
        b"3,+12125550104,caf\xe9\n"  # line 6: not UTF-8
        b"4,+12125550105,ok\n"  # line 7
        b"5,+12125550106,a,b\n"  # line 8: a field too many
    )
    _, report = scrub(content, files=CsvScrubFiles(chunk_bytes=chunk_bytes))
    assert report.unreadable_lines == {
        "has a different number of fields than the header": [4, 8],
        "is not valid text in the file's encoding": [6],
    }


@pytest.mark.parametrize(
    ("header", "column", "message"),
    [
        (b"id,phone,name,phone", None, "names the number column 'phone' 2 times (columns 2, 4)"),
        (b"id,Phone,phone", None, "names the number column 'Phone' 2 times (columns 2, 3)"),
        (b"id,phone,name,phone", "phone", "names the number column 'phone' 2 times (columns 2, 4)"),
    ],
)
def test_a_number_column_named_twice_is_refused_rather_than_guessed(scrub, tmp_path, header, column, message):
    with pytest.raises(InputError, match=re.escape(message)):
        scrub(header + b"\n1,+12125550102,x,+12125550103\n", column=column)
    assert not (tmp_path / "out.csv").exists()


def test_the_column_named_exactly_is_taken_among_names_alike(scrub):
    out, _ = scrub(b"id,Phone,phone\n1,+12125550102,+12125550103\n", column="phone")
    assert out.split(b"\n")[1].endswith(b",+12125550103,ALLOW,,")


class _Interrupted(io.FileIO):
    """A file whose first write is cut by Ctrl-C (or a signal turned into an exception)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "xb")

    def write(self, data) -> int:  # type: ignore[override]
        raise KeyboardInterrupt


def test_an_interrupt_while_the_output_is_being_opened_leaves_no_temporary_file(scrub, tmp_path):
    target = _previous_output(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        scrub(b"id,phone\n1,+12125550102\n", files=CsvScrubFiles(opener=_Interrupted))
    assert target.read_bytes() == b"a complete earlier result\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


@pytest.mark.parametrize("chunk_bytes", [64, 200])
def test_a_quoted_field_over_many_lines_longer_than_the_limit_is_one_row(scrub, chunk_bytes):
    """Not a quote that never closes: it closes, far on. One row, marked too long, kept whole in the
    first column; the rows after it are read as they are (before: each of its lines became a row)."""
    note = "".join(f"line {i} of a long note, with a comma\n" for i in range(40))  # 1.5 KB, lines 3-43
    content = f'id,phone,note\n1,+12125550102,x\n2,+12125550105,"{note}"\n3,+12125550103,ok\n4,+12125550104\n'
    out, report = scrub(content.encode(), files=CsvScrubFiles(chunk_bytes=chunk_bytes, max_record_bytes=256))
    rows = list(csv.DictReader(io.StringIO(out.decode())))
    assert [r["dialgate_verdict"] for r in rows] == ["ALLOW", "BLOCK", "ALLOW", "BLOCK"]
    assert rows[1]["id"] == f'2,+12125550105,"{note}"' and rows[1]["dialgate_reasons"] == "INVALID_NUMBER"
    assert report.rows == 4
    assert report.unreadable_lines == {
        "is too long to be a CSV row": [3],
        "has a different number of fields than the header": [45],
    }


def test_a_quote_that_never_closes_in_a_latin1_file_costs_one_row_and_keeps_the_encoding(scrub):
    content = b'id,phone,note\n1,+12125550102,"open\n' + "".join(
        f"{i},+1212555{i:04d},café\n" for i in range(2, 40)
    ).encode("latin-1")
    out, report = scrub(
        content, encoding="latin-1", files=CsvScrubFiles(chunk_bytes=64, max_record_bytes=256)
    )
    rows = out.split(b"\n")
    assert rows[1] == b'"1,+12125550102,""open",,,,BLOCK,INVALID_NUMBER,'
    assert rows[2] == "2,+12125550002,café,+12125550002,ALLOW,,".encode("latin-1")
    assert report.rows == 39 and report.unreadable == {"cannot be read as CSV": 1}
