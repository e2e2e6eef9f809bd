"""The command line, in process (click's runner) and as a real subprocess, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from dialgate.cli.main import cli
from tests.conftest import tamper

N = "+33639980012"
CAMPAIGN = (
    'id = "fr-fibre"\nbrand = "acme"\npurpose = "marketing"\ncaller_id = "+33162000000"\ncountries = ["FR"]\n'
)


@pytest.fixture
def dg(settings):
    runner = CliRunner()

    def run(*args: str) -> object:
        return runner.invoke(
            cli, ["--db", settings.resolved_database_url, "--data-dir", str(settings.data_dir), *args]
        )

    return run


@pytest.fixture
def acme(dg, tmp_path):
    assert dg("brand", "add", "acme").exit_code == 0
    path = tmp_path / "fr.toml"
    path.write_text(CAMPAIGN)
    assert dg("campaign", "apply", str(path)).exit_code == 0
    return dg


def test_every_command_refuses_an_unknown_brand(dg):
    for args in (
        ("consent", "record", N, "--brand", "nobody", "--status", "granted"),
        ("consent", "show", N, "--brand", "nobody"),
        ("dnc", "add", N, "--brand", "nobody"),
        ("vendor", "apply", "--brand", "nobody", "--id", "callco"),
    ):
        result = dg(*args)
        assert result.exit_code == 2 and "unknown brand 'nobody'" in result.output, args


def test_malformed_toml_names_the_file_and_line(acme, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "x"\nbrand = "acme"\npurpose = = "sales"\n')
    result = acme("campaign", "apply", str(bad))
    assert result.exit_code == 2 and "bad.toml" in result.output and "line 3" in result.output


def test_a_campaign_key_error_names_the_key(acme, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(CAMPAIGN.replace('"marketing"', '"telesales"'))
    result = acme("campaign", "apply", str(bad))
    assert result.exit_code == 2 and "field 'purpose'" in result.output and "bad.toml" in result.output


def test_bad_consent_input_writes_nothing(acme, tmp_path):
    assert acme("consent", "record", "0639980012", "--brand", "acme", "--status", "granted").exit_code == 2
    future = acme(
        "consent", "record", N, "--brand", "acme", "--status", "granted", "--at", "2099-01-01T00:00:00Z"
    )
    assert future.exit_code == 2 and "future" in future.output
    missing = acme(
        "consent",
        "record",
        N,
        "--brand",
        "acme",
        "--status",
        "granted",
        "--evidence",
        str(tmp_path / "x.wav"),
    )
    assert missing.exit_code == 2 and "does not exist" in missing.output
    shown = json.loads(acme("consent", "show", N, "--brand", "acme", "--json").output)
    assert shown["history"] == []


def test_a_csv_broken_at_line_40000_keeps_every_good_row(acme, tmp_path):
    path = tmp_path / "consents.csv"
    lines = ["number,status,purpose,captured_at"]
    for i in range(2, 40_010):
        number = f"+4477009{i % 1000:05d}" if i % 1000 != 999 else "+447700900999"
        lines.append(
            f"{number},granted,marketing,2026-01-05T10:00:00Z"
            if i != 40_000
            else '+447700900001,granted,"broken'
        )
    path.write_text("\n".join(lines) + "\n")
    result = acme(
        "consent", "import", str(path), "--brand", "acme", "--rejects", str(tmp_path / "rejects.csv")
    )
    assert result.exit_code == 2
    assert f"{path}:40000" in result.output
    assert "40007 consent events imported, 1 rejected" in result.output
    assert (tmp_path / "rejects.csv").read_text().count("\n") == 2
    assert acme("ledger", "verify").exit_code == 0  # bulk appends take their own insert path: same chain


def test_a_row_with_a_bad_field_is_reported_with_line_and_field(acme, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        f"number,status,captured_at\n{N},granted,2026-01-05T10:00:00Z\n{N},maybe,2026-01-05T10:00:00Z\n"
    )
    result = acme("consent", "import", str(path), "--brand", "acme")
    assert result.exit_code == 2 and f"{path}:3" in result.output and "field 'status'" in result.output
    assert "1 consent events imported, 1 rejected" in result.output


def test_an_unknown_column_fails_the_whole_file(acme, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(f"number,status,capture_date\n{N},granted,2026-01-05\n")
    result = acme("consent", "import", str(path), "--brand", "acme")
    assert result.exit_code == 2 and "unknown column 'capture_date'" in result.output


def test_ledger_verify_names_the_first_broken_event(acme, container):
    for status in ("granted", "revoked", "granted"):
        assert acme("consent", "record", N, "--brand", "acme", "--status", status).exit_code == 0
    assert acme("ledger", "verify").exit_code == 0
    tamper(container, "UPDATE consent_events SET purpose = 'sales' WHERE seq = 2")
    result = acme("ledger", "verify")
    assert result.exit_code == 3 and "seq 2" in result.output


def test_export_carries_the_hashes(acme):
    acme("consent", "record", N, "--brand", "acme", "--status", "granted")
    lines = acme("consent", "export", "--brand", "acme").output.strip().splitlines()
    assert json.loads(lines[0])["hash"] and json.loads(lines[0])["prev_hash"] == "0" * 64


def test_check_exit_codes(acme):
    acme("consent", "record", N, "--brand", "acme", "--status", "granted", "--at", "2026-01-05T10:00:00Z")
    allowed = acme("check", N, "--campaign", "fr-fibre", "--at", "2026-11-23T09:30:00Z")
    blocked = acme("check", N, "--campaign", "fr-fibre", "--at", "2026-11-23T12:30:00Z", "--json")
    assert allowed.exit_code == 0 and "ALLOW" in allowed.output
    assert (
        blocked.exit_code == 1
        and json.loads(blocked.output)["next_allowed_at"] == "2026-11-23T14:00:00+01:00"
    )
    for bad in (("--at", "tomorrow"), ("--caller-id", "garbage"), ("--region", "France")):
        assert acme("check", N, "--campaign", "fr-fibre", *bad).exit_code == 2, bad
    assert acme("check", N, "--campaign", "nope").exit_code == 2
    unsupported = acme("check", "+81312345678", "--campaign", "fr-fibre", "--json")
    assert (
        unsupported.exit_code == 1
        and json.loads(unsupported.output)["reasons"][0]["code"] == "UNSUPPORTED_DESTINATION"
    )
    plain = acme("check", "+81312345678", "--campaign", "fr-fibre", "--at", "2026-11-23T09:30:00Z")
    assert "(no rule pack, Mon 18:30 Asia/Tokyo)" in plain.output, plain.output


def test_a_check_beyond_the_holiday_calendars_is_refused_not_allowed_on_a_holiday(acme):
    acme("consent", "record", N, "--brand", "acme", "--status", "granted", "--at", "2026-01-05T10:00:00Z")
    holiday = acme("check", N, "--campaign", "fr-fibre", "--at", "2099-07-14T10:00:00Z", "--json")
    assert holiday.exit_code == 1 and json.loads(holiday.output)["reasons"][0]["code"] == "PUBLIC_HOLIDAY"
    beyond = acme("check", N, "--campaign", "fr-fibre", "--at", "2101-07-14T10:00:00Z")
    assert beyond.exit_code == 2 and "field 'at'" in beyond.output and "end of 2099" in beyond.output


def test_an_empty_vendor_is_no_vendor_as_the_api_reads_it(acme):
    acme("consent", "record", N, "--brand", "acme", "--status", "granted", "--at", "2026-01-05T10:00:00Z")
    empty = acme("check", N, "--campaign", "fr-fibre", "--at", "2026-11-23T09:30:00Z", "--vendor", "")
    assert empty.exit_code == 0 and "VENDOR" not in empty.output, empty.output


def test_the_installed_entry_point_runs(settings):
    cmd = [
        sys.executable,
        "-m",
        "dialgate",
        "--db",
        settings.resolved_database_url,
        "--data-dir",
        str(settings.data_dir),
    ]
    assert subprocess.run([*cmd, "brand", "add", "acme"], capture_output=True, text=True).returncode == 0
    dup = subprocess.run([*cmd, "brand", "add", "acme"], capture_output=True, text=True)
    assert dup.returncode == 2 and "already exists" in dup.stderr


def test_an_argument_that_is_not_utf8_is_bad_input_not_an_internal_error(settings, tmp_path):
    cmd = [sys.executable, "-m", "dialgate", "--db", settings.resolved_database_url,
           "--data-dir", str(settings.data_dir)]  # fmt: skip
    path = tmp_path / "fr.toml"
    path.write_text(CAMPAIGN)
    for args in (["brand", "add", "acme"], ["campaign", "apply", str(path)]):
        assert subprocess.run([*cmd, *args], capture_output=True).returncode == 0
    for args in ([b"+3363998\xff0012", "--campaign", "fr-fibre"], [N, "--campaign", b"fr\xff"]):
        done = subprocess.run([*cmd, "check", *args], capture_output=True)
        assert done.returncode == 2 and b"not valid UTF-8" in done.stderr and b"\\xff" in done.stderr, (
            done.stderr
        )


def test_a_wrong_purpose_is_refused_with_every_accepted_value_all_included(acme):
    bad = acme("consent", "record", N, "--brand", "acme", "--status", "revoked", "--purpose", "everything")
    assert bad.exit_code == 2 and "field 'purpose'" in bad.output and "consent-request, all" in bad.output
