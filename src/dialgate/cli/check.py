"""`dialgate check`: one decision. Exit 0 ALLOW, 1 BLOCK, 2 bad input."""

from __future__ import annotations

import click

from dialgate.cli.context import echo_json, runtime
from dialgate.domain.decision import Decision, Verdict
from dialgate.services.check import CheckRequest, check_call


@click.command("check")
@click.argument("number")
@click.option("--campaign", required=True)
@click.option("--caller-id", help="Presented number (default: the campaign's); 'anonymous' for withheld.")
@click.option("--vendor", help="The call centre placing the call.")
@click.option("--at", help="The instant to decide for (ISO 8601 with offset; default now).")
@click.option("--region", help="Region of a national-format number, e.g. FR.")
@click.option("--json", "as_json", is_flag=True, help="The decision as JSON (CONTRACT §4).")
def check(number: str, campaign: str, caller_id: str | None, vendor: str | None, at: str | None,
          region: str | None, as_json: bool) -> None:  # fmt: skip
    """May this campaign call NUMBER now? Reasons cite the law; a BLOCK says when it becomes lawful."""
    rt = runtime()
    decision = check_call(rt, CheckRequest(campaign, [number], caller_id, vendor, at, region, via="cli"))
    rt.decision_log.flush()
    if as_json:
        echo_json(decision.to_dict())
    else:
        _render(decision)
    raise SystemExit(0 if decision.verdict is Verdict.ALLOW else 1)


def _render(d: Decision) -> None:
    where = (
        f"{d.jurisdiction or 'no rule pack'}, {d.local_time:%a %H:%M} {d.zones[0]}"
        if d.local_time and d.zones
        else "no destination"
    )
    colour = "green" if d.verdict is Verdict.ALLOW else "red"
    click.echo(f"{click.style(str(d.verdict), fg=colour, bold=True)} {d.number} ({where})")
    for r in d.reasons:
        click.echo(f"  {r.code}  [{r.rule}] {r.message}")
        click.echo(f"      law: {r.law}")
    if d.next_allowed_at is not None:
        click.echo(f"next lawful moment: {d.next_allowed_at.isoformat()}")
    elif d.reasons:
        click.echo("next lawful moment: none by waiting alone")
    click.echo(f"check id: {d.check_id}")


COMMANDS = [check]
