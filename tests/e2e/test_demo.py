"""`dialgate demo` fills a store once, says what to try, and what it says is true."""

from __future__ import annotations

from click.testing import CliRunner

from dialgate.cli.main import cli
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
