"""The consent ledger on the command line."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click

from dialgate.adapters.files.csvrows import read_rows
from dialgate.cli.context import echo_json, report_import, runtime
from dialgate.domain.consent import ConsentEvent
from dialgate.domain.vocabulary import Source
from dialgate.services import consent as ledger
from dialgate.services.consent import CONSENT_FIELDS
from dialgate.services.consent_import import import_consents
from dialgate.services.imports import RowError


@click.group("consent")
def consent_group() -> None:
    """Record, import, show and export consent events."""


@consent_group.command("record")
@click.argument("number")
@click.option("--brand", required=True)
@click.option("--status", required=True, type=click.Choice(["granted", "revoked"]))
@click.option("--channel", default="call", show_default=True)
@click.option(
    "--purpose",
    default="all",
    show_default=True,
    help="marketing, sales, survey, service, collections, consent-request or all",
)
@click.option("--party", default="consumer", show_default=True)
@click.option("--basis", default="consent", show_default=True)
@click.option("--source", default="agent", show_default=True)
@click.option("--expires", "expires_at", help="When the consent lapses (ISO 8601).")
@click.option("--at", "captured_at", help="When the person consented or revoked (ISO 8601; default now).")
@click.option(
    "--evidence", type=click.Path(path_type=Path), help="A file to keep as evidence (stored by its SHA-256)."
)
@click.option("--evidence-uri", help="Where the evidence lives, when it is kept elsewhere.")
@click.option("--notice-version", help="Version of the notice or script the person heard.")
@click.option("--agent", "actor_agent", help="Who took the consent.")
@click.option("--vendor", "actor_vendor", help="The vendor (call centre) that took it.")
@click.option("--note")
@click.option("--region", help="Region of a national-format number, e.g. FR.")
@click.option("--json", "as_json", is_flag=True)
def consent_record(
    number: str, brand: str, as_json: bool, evidence: Path | None, **fields: str | None
) -> None:
    """Append one consent event to the brand's ledger."""
    rt = runtime()
    values: dict[str, str | None] = {"number": number, "brand": brand, **fields}
    if evidence is not None:
        values["evidence"] = str(evidence)
    event = ledger.record_consent(rt, ledger.draft_from_fields(rt, values, default_source=Source.AGENT))
    if as_json:
        echo_json(event.to_dict())
    else:
        click.echo(
            f"{event.brand} #{event.seq} {event.number} {event.channel}/{event.purpose} {event.status} hash {event.hash}"
        )


@consent_group.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--brand", help="Brand for rows that have no brand column.")
@click.option("--encoding", default="utf-8-sig", show_default=True)
@click.option(
    "--rejects",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write rejected rows here, with their error.",
)
def consent_import(file: Path, brand: str | None, encoding: str, rejects: Path | None) -> None:
    """Append the events of a CSV file; each bad row is reported with its line, the good ones are kept."""
    required = ("number", "status") if brand else ("number", "brand", "status")
    rows = read_rows(file, known=CONSENT_FIELDS, required=required, encoding=encoding)
    report = import_consents(runtime(), rows, file=str(file), base_dir=file.parent, default_brand=brand)
    if rejects is not None and report.rejected:
        _write_rejects(rejects, report.rejected)
    report_import(report, "consent events")


def _write_rejects(path: Path, errors: list[RowError]) -> None:
    columns = ["line", "error", *CONSENT_FIELDS]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, columns, extrasaction="ignore")
        writer.writeheader()
        for err in errors:
            writer.writerow({"line": err.line, "error": err.message, **err.fields})


@consent_group.command("show")
@click.argument("number")
@click.option("--brand", required=True)
@click.option("--region")
@click.option("--json", "as_json", is_flag=True)
def consent_show(number: str, brand: str, region: str | None, as_json: bool) -> None:
    """Current state per channel and purpose (and what a check reads per party called, where that says
    more), and the full history."""
    view = ledger.show_consent(runtime(), brand, number, region)
    if as_json:
        echo_json(view.to_dict())
        return
    click.echo(f"{view.number} for brand {view.brand}")
    if not view.state:
        click.echo("  no consent events")
    for (channel, purpose), ev in sorted(view.state.items()):
        until = f" until {ev.expires_at:%Y-%m-%d}" if ev.expires_at else ""
        evidence = " evidence" if ev.has_evidence else ""
        click.echo(
            f"  {channel}/{purpose}: {ev.status} ({ev.basis}, {ev.source}) since {ev.captured_at:%Y-%m-%d %H:%M}Z{until}{evidence}"
        )
    if view.calls_differ():
        click.echo("as a check reads it, per party called:")
        for (channel, purpose, party), ev in view.calls.items():
            whose = "".join([f", for {ev.purpose}" if ev.purpose != purpose else "",
                             f", the {ev.party}'s" if ev.party != party else ""])  # fmt: skip
            click.echo(f"  {channel}/{purpose} ({party}): {ev.status} [#{ev.seq}{whose}]")
    click.echo("history:")
    for ev in view.history:
        click.echo(
            f"  #{ev.seq} {ev.captured_at:%Y-%m-%dT%H:%M:%SZ} {ev.channel}/{ev.purpose} ({ev.party}) {ev.status} via {ev.source} hash {ev.hash[:16]}…"
        )


@consent_group.command("export")
@click.option("--brand", required=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Default: standard output."
)
def consent_export(brand: str, fmt: str, output: Path | None) -> None:
    """Every event of the brand with its hashes: what a regulator asks for."""
    import orjson

    events = ledger.export_consents(runtime(), brand)
    out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        if fmt == "jsonl":
            for ev in events:
                out.write(orjson.dumps(ev.to_dict()).decode() + "\n")
        else:
            writer = csv.DictWriter(out, list(ConsentEvent.__dataclass_fields__))
            writer.writeheader()
            for ev in events:
                writer.writerow(ev.to_dict())
    finally:
        if output:
            out.close()


@click.group("ledger")
def ledger_group() -> None:
    """The consent ledger's integrity."""


@ledger_group.command("verify")
@click.option("--json", "as_json", is_flag=True)
def ledger_verify(as_json: bool) -> None:
    """Recompute every hash chain. Exit 0 if intact; 3 and the first broken event otherwise."""
    results = ledger.verify_ledger(runtime())
    broken = [r for r in results if r.broken]
    if as_json:
        echo_json(
            {
                "ok": not broken,
                "brands": [
                    {
                        "brand": r.brand,
                        "events": r.events,
                        "head_hash": r.head_hash,
                        "ok": r.broken is None,
                        "first_broken": None
                        if r.broken is None
                        else {"seq": r.broken.seq, "problem": r.broken.problem},
                    }
                    for r in results
                ],
            }
        )
    else:
        for r in results:
            verdict = "intact" if r.broken is None else f"BROKEN at {r.broken}"
            click.echo(f"{r.brand}: {r.events} events, head {r.head_hash[:16]}…: {verdict}")
    if broken:
        click.echo(f"dialgate: ledger verification failed: {broken[0].broken}", err=True)
        raise SystemExit(3)


COMMANDS = [consent_group, ledger_group]
