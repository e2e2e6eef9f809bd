"""The change feed, vendor webhooks and the dispatcher that delivers to them."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC

import click
import orjson

from dialgate.bootstrap import build_dispatcher
from dialgate.cli import admin
from dialgate.cli.context import echo_json, runtime, state
from dialgate.errors import InputError
from dialgate.services import feed, webhooks


@click.group("events")
def events_group() -> None:
    """The change feed: every consent, do-not-call and request change, in commit order per brand."""


@events_group.command("tail")
@click.option("--brand", help="One brand's feed (default: every brand).")
@click.option("--after", type=int, default=None, help="Start after this cursor (needs --brand).")
@click.option("--follow", "-f", is_flag=True, help="Keep waiting for new events.")
@click.option("--limit", type=click.IntRange(min=1), help="Stop after this many events.")
def events_tail(brand: str | None, after: int | None, follow: bool, limit: int | None) -> None:
    """Print events as JSON lines, oldest first."""
    if after is not None and brand is None:
        raise InputError("a cursor belongs to one brand's feed; give --brand with --after").at(field="after")
    for event in feed.tail(runtime(), brand, after=after or 0, follow=follow, limit=limit):
        click.echo(orjson.dumps(event.envelope()).decode())


@events_group.command("dispatch")
@click.option("--once", is_flag=True, help="Deliver what can be delivered now, then exit.")
def events_dispatch(once: bool) -> None:
    """Run the webhook dispatcher in the foreground (also runs inside `dialgate serve`).

    Any number may run: one holds the lease and delivers, the others stand by and take over if it dies.
    """
    dispatcher = build_dispatcher(state().container())

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await dispatcher.run(stop, until_idle=once)
        finally:
            await dispatcher.aclose()

    click.echo("dialgate dispatcher running" + (" until idle" if once else " (Ctrl-C stops it)"), err=True)
    asyncio.run(main())


@click.group("webhook")
def webhook_group() -> None:
    """A vendor's webhook: where it receives the brand's change feed, signed."""


@webhook_group.command("set")
@click.option("--brand", required=True)
@click.option("--vendor", required=True)
@click.option("--url", required=True)
@click.option("--after", type=int, help="Start after this cursor (0 replays the whole feed; default: now).")
def webhook_set(brand: str, vendor: str, url: str, after: int | None) -> None:
    """Register or change a vendor's URL. Prints a new signing secret, once."""
    endpoint, secret = webhooks.set_webhook(runtime(), brand, vendor, url, after=after)
    click.echo(secret)
    click.echo(
        f"webhook of vendor {vendor} (brand {brand}) -> {endpoint.url}, from cursor {endpoint.cursor}.\n"
        "Store this signing secret now: it is not shown again. Verify each delivery with "
        "dialgate.webhook_signature.verify (docs/webhooks.md).",
        err=True,
    )


@webhook_group.command("show")
@click.option("--brand", required=True)
@click.option("--vendor", required=True)
@click.option("--json", "as_json", is_flag=True)
def webhook_show(brand: str, vendor: str, as_json: bool) -> None:
    """The webhook's URL, state, acknowledged cursor and lag (never its secret)."""
    rt = runtime()
    webhooks.get_webhook(rt, brand, vendor)  # a clear error when there is none
    data = webhooks.vendor_status(rt, brand, vendor)[0].to_dict()
    if as_json:
        echo_json(data)
        return
    for key, value in data.items():
        click.echo(f"{key}: {'' if value is None else value}")


@webhook_group.command("remove")
@click.option("--brand", required=True)
@click.option("--vendor", required=True)
def webhook_remove(brand: str, vendor: str) -> None:
    removed = webhooks.remove_webhook(runtime(), brand, vendor)
    click.echo(f"webhook of vendor {vendor} {'removed' if removed else 'was not set'}")


@webhook_group.command("resume")
@click.option("--brand", required=True)
@click.option("--vendor", required=True)
def webhook_resume(brand: str, vendor: str) -> None:
    """Take a dead-lettered webhook back into service; delivery restarts from its cursor."""
    endpoint = webhooks.resume_webhook(runtime(), brand, vendor)
    click.echo(f"webhook of vendor {vendor} is active again from cursor {endpoint.cursor}")


@webhook_group.command("log")
@click.option("--brand", required=True)
@click.option("--vendor", required=True)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10000))
@click.option("--json", "as_json", is_flag=True)
def webhook_log(brand: str, vendor: str, limit: int, as_json: bool) -> None:
    """The delivery log, newest first."""
    found = webhooks.delivery_log(runtime(), brand, vendor, limit)
    if as_json:
        echo_json([a.to_dict() for a in found])
        return
    for a in found:
        click.echo(
            f"{a.at.astimezone(UTC):%Y-%m-%dT%H:%M:%S}Z\t{a.outcome}\tcursor {a.first_seq}-{a.last_seq}\t"
            f"attempt {a.attempt}\t{a.status_code or '-'}\t{a.duration_ms} ms\t{a.error or ''}".rstrip()
        )


@click.command("status")
@click.option("--brand", help="One brand (default: every brand).")
@click.option("--json", "as_json", is_flag=True)
def vendor_status(brand: str | None, as_json: bool) -> None:
    """Each vendor's acknowledged cursor of the change feed and its lag."""
    found = webhooks.vendor_status(runtime(), brand)
    if as_json:
        echo_json([s.to_dict() for s in found])
        return
    click.echo("brand\tvendor\tstatus\tacked\thead\tlag events\tlag s\tlast delivered\tlast error")
    for s in found:
        last = f"{s.last_delivered_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}" if s.last_delivered_at else "-"
        click.echo(
            "\t".join(
                str(x)
                for x in (
                    s.brand,
                    s.vendor,
                    s.status,
                    "-" if s.acknowledged is None else s.acknowledged,
                    s.head,
                    "-" if s.lag_events is None else s.lag_events,
                    "-" if s.lag_seconds is None else f"{s.lag_seconds:.1f}",
                    last,
                    s.last_error or "",
                )
            ).rstrip()
        )


# `vendor status` belongs with the other vendor commands (cli/admin.py owns the group).
admin.vendor_group.add_command(vendor_status)

COMMANDS = [events_group, webhook_group]
