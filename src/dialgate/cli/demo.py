"""`dialgate demo`: a realistic, fictional brand with campaigns in every country, ready to try."""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path

import click

from dialgate.adapters.clock import FixedClock
from dialgate.cli.context import runtime, state
from dialgate.domain.timeutil import format_instant
from dialgate.domain.vocabulary import Source
from dialgate.services import apikeys, brands, campaigns, consent, dnc, registry, staff, vendors, webhooks
from dialgate.services.attempts import AttemptInput, record_attempt
from dialgate.services.check import CheckRequest, check_call, evaluate_request
from dialgate.services.requests import RequestInput, open_request
from dialgate.services.runtime import Runtime

BRAND = "enercom"
ADMIN = "admin"
# Fictional numbers only: regulators' fiction ranges where they exist (GB, FR, US, DE), otherwise
# fixtures in blocks no operator holds (see DEVELOPERS.md).
CONSENTED = {
    "+33639980012": {
        "basis": "consent",
        "source": "web",
        "evidence_uri": "https://forms.enercom.example/c/1012",
    },
    "+491713920012": {
        "basis": "consent",
        "source": "web",
        "evidence_uri": "https://forms.enercom.example/c/2012",
    },
    "+48451000100": {
        "basis": "consent",
        "source": "web",
        "evidence_uri": "https://forms.enercom.example/c/3100",
    },
    "+905100000100": {"basis": "consent", "source": "registry", "note": "ONAY in İYS"},
    "+34710000100": {
        "basis": "consent",
        "source": "agent",
        "evidence_uri": "https://recordings.enercom.example/4100",
    },
    "+12125550123": {"basis": "contract", "source": "agent", "note": "customer since 2025"},
}
TRY = [
    ("dialgate check +33639980012 --campaign fr-fibre", "consented in France: ALLOW on weekdays 10-13 and 14-20"),
    ("dialgate check +33639980013 --campaign fr-fibre", "on the brand's do-not-call list: INTERNAL_DNC"),
    ("dialgate check +33639980014 --campaign fr-fibre", "called 4 times in 30 days: FREQUENCY_CAP, and when it clears"),
    ("dialgate check +33639980015 --campaign fr-fibre", "no consent since the 2026 opt-in switch: NO_CONSENT"),
    ("dialgate check +491713920012 --campaign de-strom --caller-id anonymous", "withheld caller ID in Germany"),
    ("dialgate check +14155550199 --campaign us-solar", "on the National Do Not Call Registry"),
    ("dialgate check +12125550123 --campaign us-solar --json", "a customer (contract): 08:00-21:00 New York time"),
    ("dialgate check +447700900199 --campaign uk-broadband", "on the TPS (no listing date: binds at once)"),
    ("dialgate check +81312345678 --campaign fr-fibre", "a destination no pack covers: UNSUPPORTED_DESTINATION"),
    ("dialgate registry list", "the registers loaded, their age and days left"),
    ("dialgate ledger verify", "recompute every hash chain"),
    ("dialgate consent show +33639980012 --brand enercom", "the consent state and its history"),
]  # fmt: skip


# Small snapshots of the national registers (fictional numbers), dated a few days ago: fresh.
REGISTERS = {
    "US-DNC": ["+12125550199", "+14155550199", "+13055550199"],
    "UK-TPS": ["+447700900199"],
    "UK-CTPS": ["+441632960199"],
    "IT-RPO": ["+393100000199"],
    "BR-NMP": ["+5521900000199"],
    "ES-ROBINSON": ["+34710000199"],
}


def _registers(rt: Runtime, scratch: Path) -> None:
    as_of = rt.clock.now().date() - timedelta(days=3)
    for name, numbers in REGISTERS.items():
        path = scratch / f"{name}.txt"
        path.write_text("\n".join(numbers) + "\n", encoding="utf-8")
        registry.import_snapshot(rt, registry.SnapshotRequest(name, path, "lines", as_of=as_of))


def load(rt: Runtime, scratch: Path) -> bool:
    """Fill the store; False when the demo brand already exists (nothing is changed then)."""
    with rt.uow() as uow:
        if uow.brands.get(BRAND) is not None:
            return False
    brands.add_brand(rt, BRAND, "Enercom Energy (fictional)")
    today = rt.clock.now().date()
    vendors.apply_vendor(
        rt, brand=BRAND, vendor_id="callco", name="CallCo Outsourcing", until=date(today.year + 1, 12, 31)
    )
    vendors.apply_vendor(
        rt, brand=BRAND, vendor_id="dialfast", name="DialFast (not accredited)", accredited=False
    )
    vendors.apply_vendor(
        rt,
        brand=BRAND,
        vendor_id="oldcall",
        name="OldCall (accreditation ended)",
        until=today - timedelta(days=30),
    )
    folder = resources.files("dialgate.data") / "demo"
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            campaigns.apply_campaign(rt, entry.read_text(encoding="utf-8"), file=f"demo/{entry.name}")
    captured = format_instant(rt.clock.now() - timedelta(days=40))
    for number, extra in CONSENTED.items():
        fields = {
            "number": number,
            "brand": BRAND,
            "status": "granted",
            "purpose": "all",
            "captured_at": captured,
            **extra,
        }
        consent.record_consent(rt, consent.draft_from_fields(rt, fields, default_source=Source.WEB))
    dnc.add_dnc(rt, BRAND, "+33639980013", reason="asked never to be called again", actor="demo")
    _registers(rt, scratch)
    consent.record_consent(rt, consent.draft_from_fields(
        rt, {"number": "+33639980014", "brand": BRAND, "status": "granted", "captured_at": captured}, default_source=Source.WEB
    ))  # fmt: skip
    for days_ago in (20, 12, 6, 2):
        at = format_instant(rt.clock.now() - timedelta(days=days_ago))
        record_attempt(rt, AttemptInput("+33639980014", "fr-fibre", at, "no-answer", vendor="callco"))
    # callco's CRM is "down" (its name, in the reserved .example domain, never resolves): the dashboard
    # shows its lag growing
    webhooks.set_webhook(rt, BRAND, "callco", "https://crm.callco.example/dialgate")
    _history(rt)
    return True


# A month of dialling for the dashboard's chart: fictional numbers, checked as the dialers would have.
FR_LIST = [f"+336399800{i:02d}" for i in range(10, 30)]
GB_LIST = [f"+447700900{i:03d}" for i in range(100, 120)]


def _history(rt: Runtime) -> None:
    """Decisions on each of the last 30 days, consumer requests with deadlines, as if they had happened."""
    captured = format_instant(rt.clock.now() - timedelta(days=45))
    for number in FR_LIST[10:]:  # half of the French list opted in on the brand's web form
        fields = {"number": number, "brand": BRAND, "status": "granted", "captured_at": captured}
        consent.record_consent(rt, consent.draft_from_fields(rt, fields, default_source=Source.WEB))
    today = rt.clock.now().astimezone(UTC).date()
    for days_ago in range(29, -1, -1):
        day = today - timedelta(days=days_ago)
        morning = datetime.combine(day, time(9, 30), tzinfo=UTC)  # 10:30 in Paris, 09:30 in London
        then = replace(rt, clock=FixedClock(morning)) if days_ago else rt
        size = 8 + (day.toordinal() * 7) % 13
        for campaign, numbers in (("fr-fibre", FR_LIST), ("uk-broadband", GB_LIST)):
            evaluate_request(then, CheckRequest(campaign, numbers[:size], at=morning, via="batch"))
    for number in ("+33639980012", "+33639980013", "+33639980014", "+33639980015"):
        check_call(rt, CheckRequest("fr-fibre", [number], vendor="callco", via="cli"))
    now = rt.clock.now()
    for days_ago, kind, number, text in (
        (20, "complaint", "+34710000100", "Called twice on a Sunday evening about solar panels."),
        (6, "cancellation", "+5511900000100", None),
        (2, "complaint", "+33639980014", "Four calls in three weeks from the same company."),
    ):
        then = replace(rt, clock=FixedClock(now - timedelta(days=days_ago)))
        open_request(then, RequestInput(BRAND, kind, number, "web", text=text, actor="demo"))
    open_request(rt, RequestInput(BRAND, "opt-out", "+447700900105", "phone", actor="demo"))
    rt.decision_log.flush()


def admin_password(rt: Runtime) -> str:
    """The demo's admin: created on the first run; a fresh random password on every run (shown once)."""
    password = secrets.token_urlsafe(12)
    if staff.get_user(rt, ADMIN) is None:
        staff.create_user(rt, brand=BRAND, username=ADMIN, role="admin", password=password)
    else:
        staff.set_password(rt, ADMIN, password)
    return password


@click.command("demo")
def demo() -> None:
    """Fill the configured store with a realistic demo (fictional numbers only) and say what to try."""
    rt = runtime()
    with tempfile.TemporaryDirectory() as scratch:
        fresh = load(rt, Path(scratch))
    key = apikeys.create_api_key(rt, brand=BRAND, scopes=["admin"], name="demo")
    password = admin_password(rt)
    where = state().settings.resolved_database_url
    click.echo(("Demo loaded into " if fresh else "The demo was already loaded in ") + where)
    click.echo(
        f"Brand {BRAND}: campaigns in FR, US, GB, IT, DE, PL, TR, BR and ES; vendors callco, dialfast, oldcall.\n"
    )
    click.echo("Try:")
    for command, what in TRY:
        click.echo(f"  {command:75s} # {what}")
    click.echo(f"\nAn API key for the HTTP API (shown once): {key}")
    click.echo(
        f'  curl -s -H \'Authorization: Bearer {key}\' -d \'{{"number": "+33639980012", "campaign": "fr-fibre"}}\' http://127.0.0.1:8000/v1/checks'
    )
    click.echo("\nIn a browser (once `dialgate serve` runs):")
    click.echo("  http://127.0.0.1:8000/           the compliance dashboard")
    click.echo(
        f"      sign in as {ADMIN} with the password {password}  (shown once; a new one on every demo run)"
    )
    click.echo("  http://127.0.0.1:8000/consumer   the public page where people opt out, complain or cancel")


COMMANDS = [demo]
