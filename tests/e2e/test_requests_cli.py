"""The request, events, webhook and vendor status commands, as a user runs them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from dialgate.cli.main import cli
from dialgate.domain import protocol


@pytest.fixture
def run(settings):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(
            cli, ["--db", settings.resolved_database_url, "--data-dir", str(settings.data_dir), *args]
        )

    assert invoke("brand", "add", "enercom").exit_code == 0
    assert invoke("vendor", "apply", "--brand", "enercom", "--id", "callco").exit_code == 0
    return invoke


def test_opening_an_opt_out_prints_its_protocol_number_and_what_the_law_allows(run):
    result = run(
        "request",
        "open",
        "--brand",
        "enercom",
        "--kind",
        "opt-out",
        "--number",
        "+12015550123",
        "--via",
        "phone",
    )
    assert result.exit_code == 0, result.stderr
    first, *rest = result.stdout.splitlines()
    assert protocol.is_protocol(first)
    assert "law allows until" in "\n".join(rest) and "done at" in "\n".join(rest)


@pytest.mark.parametrize(
    ("option", "value", "field"),
    [("--kind", "refund", "kind"), ("--via", "fax", "via")],
)
def test_an_unknown_kind_or_channel_exits_2_naming_the_field(run, option, value, field):
    args = {"--kind": "complaint", "--via": "web", option: value}
    result = run("request", "open", "--brand", "enercom", "--number", "+12015550123", *sum(args.items(), ()))
    assert result.exit_code == 2
    assert f"field '{field}'" in result.stderr and "use one of" in result.stderr
    assert json.loads(run("request", "list", "--json").stdout) == []


def test_an_opt_out_for_an_unparseable_number_exits_2_and_says_why(run):
    result = run(
        "request", "open", "--brand", "enercom", "--kind", "opt-out", "--number", "nope", "--via", "web"
    )
    assert result.exit_code == 2 and "need a number that can be blocked" in result.stderr


def test_list_show_close_stats_and_export(run, tmp_path):
    opened = run(
        "request", "open", "--brand", "enercom", "--kind", "complaint", "--number", "anonymous 0000",
        "--via", "email", "--text", "no caller ID", "--caller-id", "withheld",
    )  # fmt: skip
    code = opened.stdout.splitlines()[0]
    listed = json.loads(run("request", "list", "--json").stdout)
    assert [r["protocol"] for r in listed] == [code] and listed[0]["number_valid"] is False
    assert run("request", "list", "--overdue").stdout == ""
    shown = run("request", "show", code)
    assert "audit trail" in shown.stdout and "opened by cli" in shown.stdout
    closed = run("request", "close", code.lower(), "--resolution", "explained and apologised")
    assert closed.exit_code == 0 and "closed in time" in closed.stdout
    again = run("request", "close", code, "--resolution", "twice")
    assert again.exit_code == 2 and "already closed" in again.stderr
    stats = json.loads(run("request", "stats", "--brand", "enercom", "--json").stdout)
    assert stats[-1] == {
        "brand": "enercom", "kind": "all", "closed_in_time": 1, "closed_late": 0, "open_overdue": 0,
        "open_in_time": 0, "share_in_time": 1.0,
    }  # fmt: skip
    out = tmp_path / "complaints.csv"
    assert run("request", "export", "--brand", "enercom", "-o", str(out)).exit_code == 0
    header, row = out.read_text().splitlines()
    assert "caller_id_shown" in header and "withheld" in row and "anonymous 0000" in row


def test_events_tail_prints_json_lines_and_a_cursor_needs_a_brand(run):
    run(
        "request",
        "open",
        "--brand",
        "enercom",
        "--kind",
        "opt-out",
        "--number",
        "+447700900123",
        "--via",
        "sms",
    )
    lines = run("events", "tail", "--brand", "enercom", "--after", "1").stdout.splitlines()
    assert [json.loads(line)["cursor"] for line in lines] == [2, 3]
    assert run("events", "tail", "--after", "1").exit_code == 2


def test_webhook_set_prints_the_secret_once_and_vendor_status_shows_the_lag(run):
    result = run(
        "webhook", "set", "--brand", "enercom", "--vendor", "callco", "--url", "https://crm.callco.example/h"
    )
    assert result.exit_code == 0 and result.stdout.startswith("whsec_")
    run(
        "request",
        "open",
        "--brand",
        "enercom",
        "--kind",
        "opt-out",
        "--number",
        "+447700900123",
        "--via",
        "sms",
    )
    (status,) = json.loads(run("vendor", "status", "--brand", "enercom", "--json").stdout)
    assert (status["vendor"], status["acknowledged_cursor"], status["lag_events"]) == ("callco", 0, 3)
    shown = run("webhook", "show", "--brand", "enercom", "--vendor", "callco", "--json")
    assert "whsec_" not in shown.stdout
    bad = run("webhook", "set", "--brand", "enercom", "--vendor", "callco", "--url", "ftp://x")
    assert bad.exit_code == 2 and "field 'url'" in bad.stderr
    unknown = run("webhook", "set", "--brand", "enercom", "--vendor", "ghost", "--url", "http://x.example")
    assert unknown.exit_code == 2 and "unknown vendor" in unknown.stderr


def test_a_refused_call_recorded_on_the_command_line_opens_an_opt_out_request(run, tmp_path):
    campaign = tmp_path / "c.toml"
    campaign.write_text(
        'id = "us-fall"\nbrand = "enercom"\npurpose = "sales"\ncaller_id = "+12015550100"\ncountries = ["US"]\n'
    )
    assert run("campaign", "apply", str(campaign)).exit_code == 0
    result = run(
        "attempt",
        "record",
        "+12015550123",
        "--campaign",
        "us-fall",
        "--at",
        (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "--outcome",
        "refused",
    )
    assert result.exit_code == 0, result.stderr
    (request,) = json.loads(run("request", "list", "--json").stdout)
    assert (request["kind"], request["status"], request["via"]) == ("opt-out", "closed", "agent")
