"""Runs a pack scenario: a store with the case's consents, attempts, lists and registers, then one check.

Scenario files (scenarios/<country>.toml) hold [defaults] and [[case]] tables:

    [defaults]
    number = "+33639980012"
    campaign = { purpose = "marketing", caller_id = "+33162000000", countries = ["FR"] }

    [[case]]
    name = "13:30 falls in the lunch break"
    at = "2026-11-23T12:30:00Z"
    consents = [{ status = "granted", basis = "consent", captured_at = "2026-01-05T10:00:00Z" }]
    attempts = [{ at = "2026-11-20T10:00:00Z", outcome = "no-answer" }]   # campaign defaults to the case's
    registers = { FR-BLOCTEL = { as_of = "2026-11-20", numbers = ["+33639980012"], listed = { "+33639980012" = "2025-01-01" } } }
    # (a register set to false in a case removes the default snapshot)
    dnc = true
    roaming = "outside-eea"          # home | in-eea | outside-eea | unknown (Polish mobiles)
    vendors = [{ id = "callco", accredited = true, until = "2027-01-01" }]
    check = { vendor = "callco", caller_id = "anonymous", region = "FR" }
    expect = { verdict = "BLOCK", reasons = ["OUTSIDE_CALLING_HOURS"], next_allowed_at = "2026-11-23T14:00:00+01:00" }

`expect.next_allowed_at` may be omitted (not checked) or "null".
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from dialgate.adapters.registers_memory import MemoryRegisterStore, MemorySnapshot
from dialgate.domain.decision import Decision
from dialgate.domain.numbers import e164_key, parse_number
from dialgate.domain.registry import NO_DATE, SnapshotInfo, day_number
from dialgate.domain.roaming import RoamingState, RoamingStatus
from dialgate.domain.timeutil import parse_instant
from dialgate.domain.vocabulary import Source
from dialgate.services import brands, campaigns, consent, dnc, vendors
from dialgate.services.attempts import AttemptInput, record_attempt
from dialgate.services.check import CheckRequest, check_call
from dialgate.services.runtime import Runtime

SCENARIOS = Path(__file__).parent / "scenarios"
BRAND = "acme"
CAMPAIGN = "c1"


def load_cases() -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    for path in sorted(SCENARIOS.glob("*.toml")):
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        for case in doc["case"]:
            yield f"{path.stem}: {case['name']}", doc.get("defaults", {}), case


class FixedRoaming:
    """Stands in for services.roaming.RoamingService: every number answers the case's roaming state."""

    def __init__(self, state: str, fail_open: bool = False) -> None:
        self.state = RoamingState(state)
        self.policy = SimpleNamespace(fail_open=fail_open)

    def _status(self) -> RoamingStatus:
        country = "US" if self.state is RoamingState.OUTSIDE_EEA else None
        return RoamingStatus(self.state, country=country, fail_open=self.policy.fail_open)

    def check_sync(self, number: str, *, budget: float | None = None) -> RoamingStatus:
        return self._status()

    def resolve_sync(
        self, numbers: Sequence[str], *, budget: float | None = None
    ) -> dict[str, RoamingStatus]:
        return {n: self._status() for n in numbers}

    def close(self) -> None:
        """Nothing to stop."""


def _campaign_toml(spec: dict[str, Any], campaign_id: str = CAMPAIGN) -> str:
    lines = [f'id = "{campaign_id}"', f'brand = "{BRAND}"']
    limits = spec.pop("limits", None)
    for key, value in spec.items():
        lines.append(f"{key} = {_toml(value)}")
    if limits:
        lines.append("[limits]")
        lines.extend(f"{k} = {_toml(v)}" for k, v in limits.items())
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f'"{k}" = {_toml(v)}' for k, v in value.items()) + " }"
    return str(value)


def run_case(rt: Runtime, clock: Any, defaults: dict[str, Any], case: dict[str, Any]) -> Decision:
    at = parse_instant(case["at"])
    number = case.get("number", defaults.get("number"))
    campaign_spec = {**defaults.get("campaign", {}), **case.get("campaign", {})}
    clock.at = at + timedelta(days=400)  # everything the case records happened before "now"
    rt.registers = MemoryRegisterStore()  # the case's registers, in memory: the rules are what is tested here
    brands.add_brand(rt, BRAND)
    for v in case.get("vendors", []):
        until = date.fromisoformat(v["until"]) if v.get("until") else None
        vendors.apply_vendor(
            rt, brand=BRAND, vendor_id=v["id"], accredited=v.get("accredited", True), until=until
        )
    campaigns.apply_campaign(rt, _campaign_toml(dict(campaign_spec)), file="scenario.toml")
    for other in case.get("other_campaigns", []):
        spec = {**campaign_spec, **{k: v for k, v in other.items() if k != "id"}}
        campaigns.apply_campaign(rt, _campaign_toml(spec, other["id"]), file="other.toml")
    for c in case.get("consents", defaults.get("consents", [])):
        fields = {"number": c.get("number", number), "brand": BRAND, "channel": "call", "purpose": "all", **c}
        consent.record_consent(rt, consent.draft_from_fields(rt, fields, default_source=Source.AGENT))
    for a in case.get("attempts", []):
        record_attempt(
            rt, AttemptInput(a.get("number", number), a.get("campaign", CAMPAIGN), a["at"], a["outcome"])
        )
    if case.get("dnc"):
        dnc.add_dnc(rt, BRAND, number)
    for name, reg in {**defaults.get("registers", {}), **case.get("registers", {})}.items():
        if reg is False:  # no snapshot of this register is loaded
            continue
        listed = {
            e164_key(parse_number(k).e164): day_number(date.fromisoformat(v))
            for k, v in reg.get("listed", {}).items()
        }
        keys = [
            (e164_key(parse_number(n).e164), listed.get(e164_key(parse_number(n).e164), NO_DATE))
            for n in reg.get("numbers", [])
        ]
        info = SnapshotInfo(name, f"{name}@{reg['as_of']}", date.fromisoformat(reg["as_of"]), len(keys),
                            datetime.fromisoformat(reg["as_of"] + "T00:00:00+00:00"), bool(listed))  # fmt: skip
        rt.registers.put(MemorySnapshot.of(info, keys))  # type: ignore[attr-defined]
    if "roaming" in case:
        rt.roaming.close()  # the bootstrap's fake provider, replaced by the case's answer
        rt.roaming = FixedRoaming(case["roaming"], case.get("roaming_fail_open", False))
    check = case.get("check", {})
    request = CheckRequest(
        CAMPAIGN, [number], check.get("caller_id"), check.get("vendor"), at, check.get("region")
    )
    return check_call(rt, request)
