"""United States: the National Do Not Call Registry with its exemptions, calling hours (federal and
Florida), Florida's 3 calls in 24 hours, and caller ID."""

from __future__ import annotations

from dialgate.domain.rules.base import CONSUMERS, Pack, validate_pack
from dialgate.domain.rules.common import (
    DAY,
    attempt_cap,
    caller_id_rule,
    consent_overrides,
    internal_dnc,
    months,
    register_rule,
    revoked,
    window_rule,
)
from dialgate.domain.rules.frame import BASIS_CONSENT, BASIS_CONTRACT, BASIS_INQUIRY, Group
from dialgate.domain.windows import parse_weekly

EVERY_DAY = parse_weekly({"mon-sun": "08:00-21:00"}, "US.hours")
FLORIDA_DAY = parse_weekly({"mon-sun": "08:00-20:00"}, "US.hours-fl")


def _florida(group: Group) -> bool:
    return group.subdivision == "FL"


PACK = validate_pack(
    Pack(
        country="US",
        name="United States",
        version="2026.11.3",
        legal_zone="America/New_York",
        rules=(
            revoked("47 CFR 64.1200(a)(10) (consent may be revoked by any reasonable means)"),
            internal_dnc(
                "47 CFR 64.1200(d) (company-specific do-not-call list; dialgate applies it at once)"
            ),
            register_rule(
                "dnc",
                "US-DNC",
                "47 CFR 64.1200(c)(2) (National Do Not Call Registry; safe harbour needs a registry "
                "version at most 31 days old)",
                "Numbers on the national registry are called only with written permission, or within 18 months of a "
                "transaction or 3 months of an inquiry.",
                label="the National Do Not Call Registry",
                parties=CONSUMERS,
                override=consent_overrides(
                    [BASIS_CONSENT, BASIS_CONTRACT, BASIS_INQUIRY],
                    {BASIS_CONTRACT: months(18), BASIS_INQUIRY: months(3)},
                ),
                override_text=" and there is no written permission, transaction in the last 18 months or inquiry in the last 3 months",
            ),
            window_rule(
                "hours",
                "47 CFR 64.1200(c)(1)",
                "No telephone solicitation before 08:00 or after 21:00, called party's local time.",
                windows=EVERY_DAY,
                holidays=False,
                country="US",
                parties=CONSUMERS,
            ),
            window_rule(
                "hours-fl",
                "Fla. Stat. § 501.616(6)",
                "Florida area codes: no solicitation before 08:00 or after 20:00.",
                windows=lambda g: FLORIDA_DAY if _florida(g) else None,
                holidays=False,
                country="US",
                parties=CONSUMERS,
                firmness="S",
            ),
            attempt_cap(
                "attempts-fl",
                "Fla. Stat. § 501.616(6)",
                "Florida area codes: at most 3 calls in 24 hours on the same subject.",
                count=3,
                seconds=DAY,
                scope="purpose",
                where=_florida,
                parties=CONSUMERS,
                firmness="S",
                label="Florida allows at most 3 calls in 24 hours on the same subject",
            ),
            caller_id_rule(
                "caller-id",
                "47 CFR 64.1601(e) (telemarketers transmit a caller ID the called party can call back)",
                "Caller ID is transmitted and is a valid number that can be called back.",
                valid=True,
            ),
        ),
        notes=(
            "Business numbers are outside the registry and the calling-hours rule; caller ID still applies.",
            "State lists and other state rules (e.g. Washington, Oklahoma, Maryland) are not in this pack yet.",
        ),
    )
)
