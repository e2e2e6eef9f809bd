"""The internal do-not-call list and call attempts."""

from __future__ import annotations

from pathlib import Path

import click

from dialgate.adapters.files.csvrows import read_rows
from dialgate.cli.context import echo_json, report_import, runtime
from dialgate.services import attempts, dnc


@click.group("dnc")
def dnc_group() -> None:
    """The brand's own do-not-call list."""


@dnc_group.command("add")
@click.argument("number")
@click.option("--brand", required=True)
@click.option("--reason")
@click.option("--region")
def dnc_add(number: str, brand: str, reason: str | None, region: str | None) -> None:
    entry, created = dnc.add_dnc(runtime(), brand, number, reason=reason, region=region, actor="cli")
    click.echo(
        f"{entry.number} {'added to' if created else 'was already on'} the do-not-call list of {brand}"
    )


@dnc_group.command("remove")
@click.argument("number")
@click.option("--brand", required=True)
@click.option("--reason")
@click.option("--region")
def dnc_remove(number: str, brand: str, reason: str | None, region: str | None) -> None:
    removed = dnc.remove_dnc(runtime(), brand, number, reason=reason, region=region, actor="cli")
    click.echo(f"{number} {'removed from' if removed else 'was not on'} the do-not-call list of {brand}")


@dnc_group.command("list")
@click.option("--brand", required=True)
@click.option("--json", "as_json", is_flag=True)
def dnc_list(brand: str, as_json: bool) -> None:
    entries = dnc.list_dnc(runtime(), brand)
    if as_json:
        echo_json([{"number": e.number, "reason": e.reason, "added_at": e.added_at} for e in entries])
        return
    for e in entries:
        click.echo(f"{e.number}\t{e.added_at:%Y-%m-%d}\t{e.reason or ''}")


@click.group("attempt")
def attempt_group() -> None:
    """Calls that happened (they drive frequency caps and cooling-off)."""


@attempt_group.command("record")
@click.argument("number")
@click.option("--campaign", required=True)
@click.option("--at", required=True, help="When the call was placed (ISO 8601).")
@click.option(
    "--outcome",
    required=True,
    type=click.Choice(["answered", "no-answer", "busy", "failed", "abandoned", "refused"]),
)
@click.option("--vendor")
@click.option("--caller-id")
@click.option("--region")
def attempt_record(
    number: str,
    campaign: str,
    at: str,
    outcome: str,
    vendor: str | None,
    caller_id: str | None,
    region: str | None,
) -> None:
    """Record one call; `refused` starts cooling-off and records an opt-out."""
    a = attempts.record_attempt(
        runtime(), attempts.AttemptInput(number, campaign, at, outcome, vendor, caller_id, region)
    )
    note = " (opt-out recorded)" if a.outcome == "refused" else ""
    click.echo(f"attempt {a.number} {a.at:%Y-%m-%dT%H:%M:%SZ} {a.outcome} recorded for brand {a.brand}{note}")


@attempt_group.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--encoding", default="utf-8-sig", show_default=True)
def attempt_import(file: Path, encoding: str) -> None:
    """Call detail records in bulk: columns number, campaign, at, outcome[, vendor, caller_id, region]."""
    known = ("number", "campaign", "at", "outcome", "vendor", "caller_id", "region")
    rows = read_rows(file, known=known, required=("number", "campaign", "at", "outcome"), encoding=encoding)
    report_import(attempts.import_attempts(runtime(), rows, file=str(file)), "attempts")


COMMANDS = [dnc_group, attempt_group]
