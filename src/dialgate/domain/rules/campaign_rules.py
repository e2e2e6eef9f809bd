"""Rules every destination shares: the number itself, the campaign's own choices, the vendor.

Campaign limits only ever add blocks (they are evaluated beside the pack's rules, never instead of them),
which is what makes "tightening a campaign never turns BLOCK into ALLOW" hold by construction.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from functools import lru_cache

import numpy as np

from dialgate.domain.campaign import Campaign
from dialgate.domain.decision import ReasonCode as R
from dialgate.domain.registry import KNOWN_REGISTERS
from dialgate.domain.rules.base import EVERY_PARTY, EVERY_PURPOSE, NOTHING, Finding, OneOutcome, Outcome, Rule
from dialgate.domain.rules.common import DAY, attempt_cap, cooling_off, register_rule, window_rule
from dialgate.domain.rules.frame import Frame

INVALID_NUMBER = Rule("number", "ITU-T E.164 and the destination's national numbering plan", (R.INVALID_NUMBER,),
                      "The number must be a valid, dialable number.", check=lambda _f: Outcome(), purposes=EVERY_PURPOSE)  # fmt: skip
UNSUPPORTED = Rule("destination", "dialgate policy: fail closed where no rule pack covers the destination",
                   (R.UNSUPPORTED_DESTINATION,), "Destinations without a rule pack are never allowed.",
                   check=lambda _f: Outcome(), purposes=EVERY_PURPOSE)  # fmt: skip


def _countries(f: Frame) -> Outcome:
    allowed = set(f.campaign.countries)
    outside = np.array([g.jurisdiction not in allowed for g in f.groups], dtype=bool)
    rows = outside[f.group] if f.n else np.zeros(0, bool)
    return Outcome([Finding(R.DESTINATION_NOT_ALLOWED, rows, _targets(f.campaign))])


def _countries_one(f: Frame) -> OneOutcome:
    if f.group0.jurisdiction in f.campaign.countries:
        return NOTHING
    return [(R.DESTINATION_NOT_ALLOWED, _targets(f.campaign), None)], None


def _targets(campaign: Campaign) -> str:
    return f"Campaign {campaign.id} targets {', '.join(campaign.countries)} only."


def _vendor_problem(f: Frame) -> tuple[str | None, int | None]:
    """What is wrong with the vendor placing the call (None: nothing), and the instant its accreditation
    ends (None: it does not)."""
    requested, vendor, campaign = f.vendor.requested, f.vendor.vendor, f.campaign
    problem = None
    accredited_until = None
    if vendor is not None and vendor.accredited_until is not None:
        # Accreditation ends with its last day (UTC, like f.today): nothing can be promised beyond it.
        end = datetime.combine(vendor.accredited_until + timedelta(days=1), time(), tzinfo=UTC)
        accredited_until = int(end.timestamp())
    if requested is not None:
        if vendor is None:
            problem = f"Vendor '{requested}' is not registered for brand {campaign.brand}."
        elif not vendor.accredited_on(f.today):
            until = f" (accreditation ended {vendor.accredited_until})" if vendor.accredited else ""
            problem = f"Vendor '{requested}' is not accredited by brand {campaign.brand}{until}."
        elif campaign.vendors and requested not in campaign.vendors:
            problem = f"Campaign {campaign.id} may be called only by {', '.join(campaign.vendors)}."
    return problem, accredited_until


def _vendor(f: Frame) -> Outcome:
    problem, until = _vendor_problem(f)
    rows = np.full(f.n, problem is not None, dtype=bool)
    valid_until = np.full(f.n, until, dtype=np.int64) if until is not None else None
    return Outcome([Finding(R.VENDOR_NOT_AUTHORIZED, rows, problem or "")], valid_until=valid_until)


def _vendor_one(f: Frame) -> OneOutcome:
    if f.vendor.requested is None and f.vendor.vendor is None:  # the common case: no vendor named
        return NOTHING
    problem, until = _vendor_problem(f)
    return ([(R.VENDOR_NOT_AUTHORIZED, problem, None)] if problem is not None else []), until


COUNTRIES = Rule("countries", "Campaign file: countries", (R.DESTINATION_NOT_ALLOWED,),
                 "Only the campaign's destination countries may be called.", check=_countries,
                 purposes=EVERY_PURPOSE, one=_countries_one)  # fmt: skip
VENDORS = Rule("vendors", "Brand accreditation of call centres; campaign file: vendors (the brand answers for its "
               "vendors: e.g. Garante code of conduct 2024, §7a UWG)", (R.VENDOR_NOT_AUTHORIZED,),
               "Calls are placed only by accredited vendors the campaign allows.", firmness="S", check=_vendor,
               purposes=EVERY_PURPOSE, one=_vendor_one)  # fmt: skip


@lru_cache(maxsize=256)
def campaign_rules(campaign: Campaign) -> tuple[Rule, ...]:
    """The rules a campaign adds for every destination, in evaluation order."""
    law = f"Campaign {campaign.id} [limits]"
    rules = [COUNTRIES, VENDORS]
    limits = campaign.limits
    if limits.hours is not None:
        rules.append(window_rule("hours", law, "The campaign's own calling hours (callee's local time).",
                                 windows=limits.hours, holidays=False, country="", purposes=EVERY_PURPOSE))  # fmt: skip
    if limits.max_attempts is not None:
        m = limits.max_attempts
        rules.append(attempt_cap("max-attempts", law, "The campaign's own attempt limit.", count=m.count,
                                 seconds=m.days * DAY, scope="campaign", label=f"Campaign {campaign.id}",
                                 purposes=EVERY_PURPOSE))  # fmt: skip
    if limits.cooling_off_days is not None:
        rules.append(cooling_off("cooling-off", law, "The campaign's own silence after a refusal.",
                                 days=limits.cooling_off_days, label=f"Campaign {campaign.id}", purposes=EVERY_PURPOSE))  # fmt: skip
    for name in campaign.registries:
        known = KNOWN_REGISTERS.get(name)
        rules.append(register_rule(f"register-{name}", name, f"Campaign {campaign.id} honours {name}",
                                   "A register the campaign chose to honour.", label=known.description if known else f"the list {name}",
                                   purposes=EVERY_PURPOSE,
                                   parties=EVERY_PARTY))  # fmt: skip
    return tuple(rules)


def register_applies(name: str, jurisdiction: str) -> bool:
    """A national register only concerns numbers of its country; a private list concerns every number."""
    known = KNOWN_REGISTERS.get(name)
    return known is None or known.country == jurisdiction
