"""`dialgate user create`: a hidden prompt on a terminal, --password-stdin for scripts, clear refusals."""

from __future__ import annotations

import os
import pty
import select
import sys
import time

import pytest
from click.testing import CliRunner

from dialgate.cli.main import cli
from dialgate.services import staff


@pytest.fixture
def dg(settings):
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None) -> object:
        base = ["--db", settings.resolved_database_url, "--data-dir", str(settings.data_dir)]
        return runner.invoke(cli, [*base, *args], input=stdin)

    assert run("brand", "add", "enercom").exit_code == 0
    assert run("vendor", "apply", "--brand", "enercom", "--id", "callco").exit_code == 0
    return run


def test_a_script_creates_users_with_the_password_on_stdin(dg, rt):
    made = dg(
        "user", "create", "--brand", "enercom", "--username", "Alice", "--role", "officer", "--password-stdin",
        stdin="correct horse battery\n",
    )  # fmt: skip
    assert made.exit_code == 0 and "user alice created: officer for brand enercom" in made.output
    token, _ = staff.login(rt, "alice", "correct horse battery", address="192.0.2.1")
    assert staff.viewer_for(rt, token) is not None
    viewer = dg(
        "user", "create", "--brand", "enercom", "--username", "cc", "--role", "vendor-viewer",
        "--vendor", "callco", "--password-stdin", stdin="another long passphrase\n",
    )  # fmt: skip
    assert viewer.exit_code == 0 and "vendor-viewer of vendor callco" in viewer.output
    listed = dg("user", "list", "--brand", "enercom")
    assert listed.output.splitlines() == ["alice\tofficer\t", "cc\tvendor-viewer\tcallco"]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("--role", "officer"), None, "pipe it in with --password-stdin"),
        (("--role", "officer", "--password-stdin"), "short\n", "at least 12 characters"),
        (("--role", "root", "--password-stdin"), "correct horse battery\n", "not a role"),
        (("--role", "vendor-viewer", "--password-stdin"), "correct horse battery\n", "give --vendor"),
        (
            ("--role", "admin", "--brand", "nobody", "--password-stdin"),
            "correct horse battery\n",
            "unknown brand",
        ),
    ],
)
def test_bad_input_exits_2_with_a_message_and_creates_nobody(dg, args, stdin, message):
    brand = () if "--brand" in args else ("--brand", "enercom")
    result = dg("user", "create", "--username", "bob", *brand, *args, stdin=stdin)
    assert result.exit_code == 2 and message in result.output
    assert dg("user", "list", "--brand", "enercom").output == ""


def _read_until(fd: int, marker: bytes, timeout: float = 30.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise AssertionError(f"waited for {marker!r}, got {seen!r}")
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    return seen


def test_on_a_terminal_the_password_is_asked_twice_and_never_echoed(settings, dg, rt):
    args = [
        sys.executable, "-m", "dialgate", "--db", settings.resolved_database_url,
        "--data-dir", str(settings.data_dir), "user", "create", "--brand", "enercom",
        "--username", "carol", "--role", "admin",
    ]  # fmt: skip
    pid, fd = pty.fork()
    if pid == 0:  # the child: its controlling terminal is the pseudo-terminal
        os.execv(sys.executable, args)
    try:
        output = _read_until(fd, b"Password:")
        os.write(fd, b"a passphrase nobody sees\n")
        output += _read_until(fd, b"Repeat for confirmation:")
        os.write(fd, b"a passphrase nobody sees\n")
        output += _read_until(fd, b"created")
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    assert b"nobody sees" not in output
    token, user = staff.login(rt, "carol", "a passphrase nobody sees", address="192.0.2.3")
    assert user.role == "admin" and token
