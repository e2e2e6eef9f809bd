"""`dialgate demo` fills a store once, says what to try, and what it says is true."""

from __future__ import annotations

import re

from click.testing import CliRunner

from dialgate.cli.main import cli
from dialgate.services import staff
from dialgate.services.check import CheckRequest, check_call


def test_the_demo_loads_once_and_its_examples_hold(settings, rt, clock):
    args = ["--db", settings.resolved_database_url, "--data-dir", str(settings.data_dir), "demo"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0 and "Demo loaded" in first.output and "dg_" in first.output
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0 and "already loaded" in again.output

    def codes(number: str, campaign: str, **extra: str) -> set[str]:
        # a Monday at 10:30 in Paris, whatever day the demo was loaded
        at = "2026-11-23T09:30:00Z"
        return set(check_call(rt, CheckRequest(campaign, [number], at=at, **extra)).codes)

    assert codes("+33639980012", "fr-fibre") == set()
    assert codes("+33639980013", "fr-fibre") == {"INTERNAL_DNC", "NO_CONSENT"}
    assert codes("+33639980015", "fr-fibre") == {"NO_CONSENT"}
    assert codes("+491713920012", "de-strom", caller_id="anonymous") == {"CALLER_ID_MISSING"}
    assert codes("+81312345678", "fr-fibre") == {"UNSUPPORTED_DESTINATION"}


def test_the_demo_prints_a_fresh_admin_password_each_run_and_the_web_addresses(settings, rt):
    args = ["--db", settings.resolved_database_url, "--data-dir", str(settings.data_dir), "demo"]
    first = CliRunner().invoke(cli, args).output
    second = CliRunner().invoke(cli, args).output
    assert "http://127.0.0.1:8000/consumer" in first and "the compliance dashboard" in first
    old, new = (
        re.search(r"sign in as admin with the password (\S+)", out).group(1) for out in (first, second)
    )
    assert old != new
    _, user = staff.login(rt, "admin", new, address="192.0.2.1")
    assert user.role == "admin" and user.brand == "enercom"
