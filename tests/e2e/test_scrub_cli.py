"""`dialgate scrub` from the command line: exit codes, the summary on stderr, progress only on a terminal."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from dialgate.cli.main import cli

CAMPAIGN = """
id = "us-spring"
brand = "acme"
purpose = "marketing"
caller_id = "+12025550100"
countries = ["US"]
"""
AT = "2026-11-23T15:00:00Z"  # 10:00 in New York, a Monday


@pytest.fixture
def env(tmp_path, number_tables_dir) -> dict[str, str]:
    return {"DIALGATE_DATA_DIR": str(tmp_path / "data"), "DIALGATE_CACHE_DIR": str(number_tables_dir)}


@pytest.fixture
def run(env):
    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    return invoke


@pytest.fixture
def campaign(run, tmp_path):
    assert run("brand", "add", "acme").exit_code == 0
    path = tmp_path / "us.toml"
    path.write_text(CAMPAIGN)
    assert run("campaign", "apply", str(path)).exit_code == 0
    register = tmp_path / "dnc.txt"
    register.write_text("2125550104\n")  # the US registry, with one of the list's numbers on it
    assert (
        run(
            "registry", "import", "US-DNC", str(register), "--format", "lines", "--as-of", "2026-11-20"
        ).exit_code
        == 0
    )
    return "us-spring"


def _list(tmp_path: Path, rows: int = 5) -> Path:
    path = tmp_path / "list.csv"
    body = "".join(f"{i},(212) 555-01{i:02d},Lee\n" for i in range(rows))
    path.write_text("id,Phone Number,name\n" + body + f"{rows},+44 7700 900123,Ng\n{rows + 1},,Ox\n")
    return path


def test_scrub_writes_the_list_and_a_summary_per_reason(run, campaign, tmp_path):
    out = tmp_path / "out.csv"
    result = run(
        "scrub", str(_list(tmp_path)), "--campaign", campaign, "-o", str(out), "--region", "US", "--at", AT
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"scrubbed 7 rows of {tmp_path / 'list.csv'} (number column 'Phone Number')")
    assert [line.split() for line in lines[1:6]] == [
        ["ALLOW", "4"],
        ["BLOCK", "3"],
        ["INVALID_NUMBER", "1"],
        ["DESTINATION_NOT_ALLOWED", "1"],
        ["NATIONAL_REGISTRY", "1"],
    ]
    rows = out.read_text().splitlines()
    assert (
        rows[0]
        == "id,Phone Number,name,dialgate_e164,dialgate_verdict,dialgate_reasons,dialgate_next_allowed_at"
    )
    assert rows[1] == "0,(212) 555-0100,Lee,+12125550100,ALLOW,,"


def test_national_numbers_without_a_region_get_a_hint(run, campaign, tmp_path):
    result = run("scrub", str(_list(tmp_path)), "--campaign", campaign, "-o", str(tmp_path / "o.csv"))
    assert result.exit_code == 0
    assert "5 invalid rows look like national numbers: give their country with --region" in result.stderr


def test_a_missing_number_column_is_bad_input_naming_the_columns(run, campaign, tmp_path):
    source = tmp_path / "list.csv"
    source.write_text("id,name\n1,Lee\n")
    out = tmp_path / "out.csv"
    result = run("scrub", str(source), "--campaign", campaign, "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"dialgate: error: {source}:1, field 'column': no column holds phone numbers"
    )
    assert "the columns are: 'id', 'name'; name it with --column" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    "args,message",
    [
        (["--campaign", "nope"], "unknown campaign 'nope'"),
        (["--campaign", "us-spring", "--region", "France"], "ISO 3166"),
        (["--campaign", "us-spring", "--region", "ZZ"], "not a region with a numbering plan"),
        (["--campaign", "us-spring", "--at", "tomorrow"], "ISO 8601"),
        (
            ["--campaign", "us-spring", "--at", "2101-07-04T15:00:00Z"],
            "field 'at': dialgate decides calls up to the end of 2099",
        ),
        (["--campaign", "us-spring", "--encoding", "klingon"], "unknown encoding"),
        (["--campaign", "us-spring", "--delimiter", "§"], "one ASCII character"),
    ],
)
def test_bad_options_are_bad_input(run, campaign, tmp_path, args, message):
    result = run("scrub", str(_list(tmp_path)), "-o", str(tmp_path / "o.csv"), *args)
    assert result.exit_code == 2 and message in result.stderr


def _scrub_process(env: dict[str, str], args: list[str], *, terminal: bool) -> tuple[int, str]:
    """Run the real command with stderr on a pseudo-terminal or on a pipe; return exit code and stderr."""
    full_env = {**os.environ, **env}
    command = [sys.executable, "-m", "dialgate", *args]
    if not terminal:
        done = subprocess.run(command, env=full_env, capture_output=True, text=True, timeout=120)
        return done.returncode, done.stderr
    main, secondary = pty.openpty()
    process = subprocess.Popen(command, env=full_env, stdout=subprocess.DEVNULL, stderr=secondary)
    os.close(secondary)
    chunks = []
    while True:
        ready, _, _ = select.select([main], [], [], 120)
        if not ready:
            break
        try:
            data = os.read(main, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    return process.wait(timeout=120), b"".join(chunks).decode()


def test_a_progress_bar_is_drawn_only_on_a_terminal(env, campaign, tmp_path):
    args = [
        "scrub",
        str(_list(tmp_path, 50)),
        "--campaign",
        campaign,
        "-o",
        str(tmp_path / "o.csv"),
        "--region",
        "US",
    ]
    code, on_pipe = _scrub_process(env, args, terminal=False)
    assert code == 0 and "\r[" not in on_pipe and "scrubbed 52 rows" in on_pipe
    code, on_terminal = _scrub_process(env, args, terminal=True)
    assert (
        code == 0 and "\r[" in on_terminal and "rows/s" in on_terminal and "scrubbed 52 rows" in on_terminal
    )


@pytest.mark.parametrize(("sent", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_scrub_stopped_by_a_signal_keeps_the_previous_output_and_leaves_no_temporary_file(
    env, campaign, tmp_path, sent, code
):
    """The list arrives through a pipe, so the scrub is surely mid-way (its temporary output open) when
    the signal comes. Python's default for SIGTERM ended the process at once, leaving the temporary file."""
    source, target = tmp_path / "list.csv", tmp_path / "o.csv"
    os.mkfifo(source)
    target.write_text("the previous output\n")
    command = [
        sys.executable,
        "-m",
        "dialgate",
        "scrub",
        str(source),
        "--campaign",
        campaign,
        "-o",
        str(target),
    ]
    process = subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_signals_as_on_a_terminal,
    )
    try:
        with source.open("wb") as writer:  # opens once the scrub does
            writer.write(
                b"id,phone\n" + b"".join(b"%d,+1212555%04d\n" % (i, i % 10_000) for i in range(700_000))
            )
            writer.flush()
            deadline = time.monotonic() + 60
            while not list(tmp_path.glob(".o.csv.*.partial")) and time.monotonic() < deadline:
                time.sleep(0.02)
            assert list(tmp_path.glob(".o.csv.*.partial")), "the scrub never opened its output"
            process.send_signal(sent)
            time.sleep(0.5)  # then the end of the list, for the reading thread waiting on the pipe
        assert process.wait(timeout=60) == code
    finally:
        process.kill()
    assert target.read_text() == "the previous output\n"
    assert not list(tmp_path.glob(".*.partial"))
    assert process.stderr is not None and "Traceback" not in process.stderr.read().decode()


def _signals_as_on_a_terminal() -> None:
    """In the child: the defaults a command typed at a terminal gets, whatever this test runner inherited
    (a runner started in the background ignores SIGINT, and an ignored signal is kept ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_the_scrub_was_started_ignoring_stays_ignored(sent):
    """nohup and `trap '' INT` ignore a signal on purpose: the scrub's own handlers must not undo that."""
    code = (
        "import signal\n"
        "from dialgate.cli.scrub import _stop_cleanly_on_signals\n"
        "_stop_cleanly_on_signals()\n"
        "print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN, signal.getsignal(signal.SIGTERM) is signal.SIG_IGN)\n"
    )

    def ignoring() -> None:
        _signals_as_on_a_terminal()
        signal.signal(sent, signal.SIG_IGN)

    done = subprocess.run(
        [sys.executable, "-c", code], preexec_fn=ignoring, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == [str(sent == signal.SIGINT), str(sent == signal.SIGTERM)]
    done = subprocess.run(
        [sys.executable, "-c", code],
        preexec_fn=_signals_as_on_a_terminal,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["False", "False"]


def test_rows_it_could_not_read_are_reported_with_their_lines_and_a_hint(run, campaign, tmp_path):
    source = tmp_path / "mixed.csv"
    source.write_bytes(b"id,phone\n1,+12125550102\n2,+12125550103,Jos\xe9\n3,+12125550104\n")
    result = run("scrub", str(source), "--campaign", campaign, "-o", str(tmp_path / "o.csv"), "--at", AT)
    assert result.exit_code == 0
    assert (
        f"1 rows kept but unreadable: the row is not valid text in the file's encoding (line 3 of {source})"
        in (result.stderr)
    )
    assert "name its encoding with --encoding" in result.stderr
