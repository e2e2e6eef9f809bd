"""Set-up commands: the store, brands, campaigns, vendors, API keys."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from dialgate.adapters.db.engine import upgrade
from dialgate.cli.context import echo_json, runtime, state
from dialgate.domain.timeutil import parse_date
from dialgate.errors import InputError
from dialgate.services import apikeys, brands, campaigns, vendors


@click.group("db")
def db_group() -> None:
    """The store's schema."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations to the configured database."""
    container = state().container(check_schema=False)
    upgrade(container.engine)
    click.echo(f"store at {container.engine.url.render_as_string(hide_password=True)} is up to date")


@click.group("brand")
def brand_group() -> None:
    """Brands: the companies on whose behalf calls are made."""


@brand_group.command("add")
@click.argument("brand_id")
@click.option("--name", help="Display name (default: the id).")
def brand_add(brand_id: str, name: str | None) -> None:
    """Create a brand."""
    brand = brands.add_brand(runtime(), brand_id, name)
    click.echo(f"brand {brand.id} created")


@brand_group.command("list")
@click.option("--json", "as_json", is_flag=True)
def brand_list(as_json: bool) -> None:
    found = brands.list_brands(runtime())
    if as_json:
        echo_json([{"id": b.id, "name": b.name, "created_at": b.created_at} for b in found])
    for b in [] if as_json else found:
        click.echo(f"{b.id}\t{b.name}")


@click.group("campaign")
def campaign_group() -> None:
    """Campaigns, defined in TOML files."""


@campaign_group.command("apply")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def campaign_apply(file: Path) -> None:
    """Create or update a campaign from FILE.toml; prints the campaign id."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"campaign file '{file}' does not exist").at(file=str(file)) from None
    except UnicodeDecodeError:
        raise InputError("a campaign file must be UTF-8 text").at(file=str(file)) from None
    campaign, version = campaigns.apply_campaign(runtime(), text, file=str(file))
    click.echo(campaign.id)
    click.echo(f"campaign {campaign.id} (brand {campaign.brand}) is at version {version}", err=True)


@campaign_group.command("list")
@click.option("--brand", help="Only this brand's campaigns.")
@click.option("--json", "as_json", is_flag=True)
def campaign_list(brand: str | None, as_json: bool) -> None:
    found = campaigns.list_campaigns(runtime(), brand)
    if as_json:
        from dialgate.adapters.db.repositories import campaign_to_dict

        echo_json([campaign_to_dict(c) for c in found])
        return
    for c in found:
        click.echo(f"{c.id}\t{c.brand}\t{c.purpose}\t{','.join(c.countries)}\t{c.caller_id or 'withheld'}")


@click.group("vendor")
def vendor_group() -> None:
    """Call centres placing calls for a brand."""


@vendor_group.command("apply")
@click.option("--brand", required=True)
@click.option("--id", "vendor_id", required=True)
@click.option("--accredited/--not-accredited", default=True, show_default=True)
@click.option("--until", help="Last day of the accreditation (YYYY-MM-DD).")
@click.option("--name")
def vendor_apply(brand: str, vendor_id: str, accredited: bool, until: str | None, name: str | None) -> None:
    """Register a call centre and its accreditation."""
    until_date: date | None = parse_date(until, "until") if until else None
    v = vendors.apply_vendor(
        runtime(), brand=brand, vendor_id=vendor_id, accredited=accredited, until=until_date, name=name
    )
    status = (
        "accredited" + (f" until {v.accredited_until}" if v.accredited_until else "")
        if v.accredited
        else "not accredited"
    )
    click.echo(f"vendor {v.id} of brand {v.brand}: {status}")


@vendor_group.command("list")
@click.option("--brand", required=True)
@click.option("--json", "as_json", is_flag=True)
def vendor_list(brand: str, as_json: bool) -> None:
    found = vendors.list_vendors(runtime(), brand)
    if as_json:
        echo_json(
            [
                {"id": v.id, "name": v.name, "accredited": v.accredited, "until": v.accredited_until}
                for v in found
            ]
        )
        return
    for v in found:
        click.echo(
            f"{v.id}\t{'accredited' if v.accredited else 'not accredited'}\t{v.accredited_until or ''}"
        )


@click.group("apikey")
def apikey_group() -> None:
    """API keys for the HTTP API."""


@apikey_group.command("create")
@click.option("--brand", required=True)
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    help="check, consent:read, consent:write, registry:write, requests, admin",
)
@click.option("--vendor", help="The key belongs to this vendor of the brand.")
@click.option("--name", default="", help="A label to recognise the key by.")
def apikey_create(brand: str, scopes: tuple[str, ...], vendor: str | None, name: str) -> None:
    """Create an API key. It is printed once and stored only as a hash."""
    expanded = [s.strip() for chunk in scopes for s in chunk.split(",") if s.strip()]
    key = apikeys.create_api_key(runtime(), brand=brand, scopes=expanded, vendor=vendor, name=name)
    click.echo(key)
    click.echo("store this key now: dialgate keeps only its hash and cannot show it again", err=True)


COMMANDS = [db_group, brand_group, campaign_group, vendor_group, apikey_group]
