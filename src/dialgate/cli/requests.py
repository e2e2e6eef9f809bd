"""Consumer requests: open, list, show, close, the resolution index and the regulator export."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import click
import orjson

from dialgate.cli.context import echo_json, runtime
from dialgate.domain.requests import ConsumerRequest, RequestKind, RequestStatus
from dialgate.domain.timeutil import format_instant, parse_date
from dialgate.services import request_exports, requests


@click.group("request")
def request_group() -> None:
    """Consumer requests (opt-out, cancellation, complaint, access) and their deadlines."""


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def _describe(r: ConsumerRequest) -> list[str]:
    lines = [
        f"request {r.protocol} ({r.kind}, {r.status}) for {r.number}"
        + ("" if r.number_valid else " (number kept as written: it does not parse)"),
        f"  id {r.id}; received {_when(r.received_at)} via {r.via}"
        + (f"; jurisdiction {r.jurisdiction}" if r.jurisdiction else ""),
    ]
    if r.kind is RequestKind.OPT_OUT:
        done = _when(r.closed_at)
        if r.ceiling_at is not None:
            lines.append(f"  law allows until {_when(r.ceiling_at)}, done at {done} ({r.ceiling_law})")
        else:
            lines.append(f"  effective at once, done at {done}")
    else:
        lines.append(f"  due {_when(r.due_at)} ({r.due_law})")
    if r.ledger_seq is not None:
        lines.append(f"  consent ledger event seq {r.ledger_seq}")
    if r.export_path:
        lines.append(f"  export {r.export_path} (sha256 {r.export_sha256})")
    for label, value in (
        ("caller ID", r.caller_id),
        ("called at", _when(r.called_at) if r.called_at else None),
        ("campaign", r.campaign),
        ("vendor", r.vendor),
        ("text", r.text),
    ):
        if value:
            lines.append(f"  {label}: {value}")
    if r.status is RequestStatus.CLOSED:
        verdict = "in time" if r.closed_in_time else "LATE"
        lines.append(f"  closed {_when(r.closed_at)} ({verdict}): {r.resolution}")
    return lines


@request_group.command("open")
@click.option("--brand", required=True)
@click.option("--kind", required=True, help="opt-out, cancellation, complaint or access")
@click.option("--number", required=True, help="The consumer's number (a complaint may carry any text).")
@click.option("--via", required=True, help="web, phone, sms, email, agent or ivr")
@click.option("--text", help="What the person said or wrote.")
@click.option("--region", help="Region of a national-format number (FR, GB, ...).")
@click.option("--caller-id", help="Complaints: the caller ID the person saw, as they report it.")
@click.option("--called-at", help="Complaints: when the call came (ISO 8601 with offset).")
@click.option("--campaign", help="Complaints: the campaign named, if known.")
@click.option("--vendor", help="The call centre that received or caused the request.")
@click.option("--json", "as_json", is_flag=True)
def request_open(
    brand: str,
    kind: str,
    number: str,
    via: str,
    text: str | None,
    region: str | None,
    caller_id: str | None,
    called_at: str | None,
    campaign: str | None,
    vendor: str | None,
    as_json: bool,
) -> None:
    """Open a consumer request; prints its protocol number (first line), then its due date and effect.

    An opt-out is applied at once (a revocation for every purpose) and closed; a cancellation ends the
    contract basis at once; an access request writes an export of everything held on the number.
    """
    rt = runtime()
    r = requests.open_request(
        rt,
        requests.RequestInput(
            brand=brand,
            kind=kind,
            number=number,
            via=via,
            text=text,
            region=region,
            caller_id=caller_id,
            called_at=called_at,
            campaign=campaign,
            vendor=vendor,
            actor="cli",
        ),
    )
    if as_json:
        echo_json(r.to_dict(rt.clock.now()))
        return
    click.echo(r.protocol)  # first line alone, for scripts: `dialgate request open … | head -1`
    for line in _describe(r):
        click.echo(line)


@request_group.command("list")
@click.option("--brand", help="Only this brand's requests.")
@click.option("--overdue", is_flag=True, help="Only open requests past their due date.")
@click.option("--status", help="open or closed")
@click.option("--kind", help="opt-out, cancellation, complaint or access")
@click.option("--json", "as_json", is_flag=True)
def request_list(
    brand: str | None, overdue: bool, status: str | None, kind: str | None, as_json: bool
) -> None:
    """List requests, oldest first."""
    rt = runtime()
    found = requests.list_requests(rt, brand=brand, overdue=overdue, status=status, kind=kind)
    now = rt.clock.now()
    if as_json:
        echo_json([r.to_dict(now) for r in found])
        return
    for r in found:
        flag = "OVERDUE" if r.overdue(now) else ""
        click.echo(
            "\t".join(
                [
                    r.protocol,
                    r.brand,
                    str(r.kind),
                    str(r.status),
                    r.number,
                    _when(r.received_at),
                    _when(r.due_at),
                    flag,
                ]
            ).rstrip()
        )


@request_group.command("show")
@click.argument("request_id")
@click.option("--brand")
@click.option("--json", "as_json", is_flag=True)
def request_show(request_id: str, brand: str | None, as_json: bool) -> None:
    """One request and its audit trail (by id or protocol number)."""
    rt = runtime()
    view = requests.show_request(rt, request_id, brand=brand)
    if as_json:
        echo_json(view.to_dict(rt.clock.now()))
        return
    for line in _describe(view.request):
        click.echo(line)
    click.echo("  audit trail:")
    for e in view.events:
        detail = orjson.dumps(e.detail).decode() if e.detail else ""
        click.echo(f"    {format_instant(e.at)} {e.action} by {e.actor or '-'} {detail}".rstrip())


@request_group.command("close")
@click.argument("request_id")
@click.option("--resolution", required=True, help="How the request was resolved.")
@click.option("--brand", help="Needed only when the protocol number exists for several brands.")
def request_close(request_id: str, resolution: str, brand: str | None) -> None:
    """Close a request (by id or protocol number) with its resolution."""
    r = requests.close_request(runtime(), request_id, resolution, brand=brand, actor="cli")
    verdict = "in time" if r.closed_in_time else f"late (due {_when(r.due_at)})"
    click.echo(f"request {r.protocol} closed {verdict}")


def _day_start(text: str | None, field: str) -> datetime | None:
    return datetime.combine(parse_date(text, field), time(0), tzinfo=UTC) if text else None


@request_group.command("stats")
@click.option("--brand", required=True)
@click.option("--since", help="First day of receipt counted (YYYY-MM-DD, UTC).")
@click.option("--until", help="Day after the last day counted (YYYY-MM-DD, UTC).")
@click.option("--json", "as_json", is_flag=True)
def request_stats(brand: str, since: str | None, until: str | None, as_json: bool) -> None:
    """The resolution index: share of requests closed by their deadline, per kind and in total."""
    index = requests.resolution_stats(
        runtime(), brand, since=_day_start(since, "since"), until=_day_start(until, "until")
    )
    if as_json:
        echo_json([i.to_dict() for i in index])
        return
    click.echo("kind\tin time\tlate\topen overdue\topen in time\tshare in time")
    for i in index:
        share = "-" if i.share is None else f"{i.share:.1%}"
        click.echo(
            f"{i.kind}\t{i.closed_in_time}\t{i.closed_late}\t{i.open_overdue}\t{i.open_in_time}\t{share}"
        )


@request_group.command("export")
@click.option("--brand", required=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--kind", default="complaint", show_default=True, help="Request kind, or 'all'.")
@click.option("--since", help="First day of receipt (YYYY-MM-DD, UTC).")
@click.option("--until", help="Day after the last day of receipt (YYYY-MM-DD, UTC).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Default: stdout.")
def request_export(
    brand: str, fmt: str, kind: str, since: str | None, until: str | None, output: Path | None
) -> None:
    """Requests with the fields a regulator's complaint form asks for (number called, caller ID shown,
    date and time, company, campaign, vendor, description)."""
    rows = request_exports.regulator_rows(
        runtime(),
        brand,
        kind=None if kind == "all" else kind,
        since=_day_start(since, "since"),
        until=_day_start(until, "until"),
    )
    text = (
        request_exports.regulator_csv(rows)
        if fmt == "csv"
        else orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n"
    )
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"{len(rows)} requests written to {output}", err=True)


COMMANDS = [request_group]
