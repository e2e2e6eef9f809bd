"""France: Bloctel until 10 Aug 2026, then opt-in (Loi 2025-594 art. 13); days and hours, 4 attempts in
30 days and 60 days of silence after a refusal (C. conso. D.223-9); ARCEP call-centre number ranges."""

from __future__ import annotations

import re
from datetime import date

from dialgate.domain.rules.base import CONSUMERS, Pack, validate_pack
from dialgate.domain.rules.common import (
    DAY,
    attempt_cap,
    caller_id_rule,
    consent_overrides,
    consent_required,
    cooling_off,
    internal_dnc,
    register_rule,
    revoked,
    window_rule,
)
from dialgate.domain.rules.frame import BASIS_CONSENT, BASIS_CONTRACT, Group
from dialgate.domain.windows import parse_weekly

D223_9 = "C. conso. art. D.223-9 (Décret n° 2022-1313)"
D223_9_FROM = date(2023, 3, 1)  # its days, hours, cap and cooling-off alike
WEEKDAYS = parse_weekly({"mon-fri": ["10:00-13:00", "14:00-20:00"]}, "FR.hours")
ARCEP = re.compile(
    r"^\+33(?:16[23]|27[01]|37[78]|42[45]|56[89]|94[89])\d{6}$|^\+(?:5909475|5949476|5969477|262947[89])\d{5}$"
)
# holidays' subdivisions for the overseas departments (their own public holidays, e.g. 20 December in Réunion)
_DOM_SUBDIV = {
    "GP": "971",
    "MQ": "972",
    "GF": "973",
    "RE": "974",
    "YT": "976",
    "BL": "BL",
    "MF": "MF",
    "PM": "PM",
}
OPT_IN = date(2026, 8, 11)


def _subdiv(group: Group) -> str | None:
    return _DOM_SUBDIV.get(group.region)


PACK = validate_pack(
    Pack(
        country="FR",
        name="France",
        version="2026.11.3",
        legal_zone="Europe/Paris",
        rules=(
            revoked("C. conso. art. L.223-1; RGPD art. 21(3)"),
            internal_dnc("C. conso. art. L.223-1; RGPD art. 21(3)"),
            register_rule(
                "bloctel",
                "FR-BLOCTEL",
                "C. conso. art. L.223-1 (Bloctel; a current contract is excepted)",
                "Consumers on Bloctel may not be canvassed without consent or a current contract (until 10 Aug 2026).",
                label="Bloctel",
                parties=CONSUMERS,
                effective_until=date(2026, 8, 10),
                override=consent_overrides([BASIS_CONSENT, BASIS_CONTRACT]),
                override_text=" and no consent or current contract is on record",
            ),
            consent_required(
                "consent",
                "C. conso. art. L.223-1 as amended by Loi n° 2025-594 art. 13 (prior, provable consent; current contract excepted)",
                "From 11 Aug 2026, canvassing a consumer needs prior consent (or a current contract).",
                bases=[BASIS_CONSENT, BASIS_CONTRACT],
                need="prior consent or current contract",
                parties=CONSUMERS,
                firmness="S",
                effective_from=OPT_IN,
            ),
            window_rule(
                "hours",
                D223_9,
                "Monday to Friday, 10:00-13:00 and 14:00-20:00 in the consumer's time zone, never on public holidays.",
                windows=WEEKDAYS,
                holidays=True,
                country="FR",
                subdiv=_subdiv,
                parties=CONSUMERS,
                effective_from=D223_9_FROM,
            ),
            attempt_cap(
                "attempts",
                D223_9,
                "At most 4 calls or attempts per consumer in 30 days, directly or through a third party.",
                count=4,
                seconds=30 * DAY,
                scope="brand",
                label="France allows at most 4 canvassing attempts per 30 days",
                parties=CONSUMERS,
                effective_from=D223_9_FROM,
            ),
            cooling_off(
                "cooling-off",
                D223_9,
                "No contact for 60 days after a consumer refuses during a call.",
                days=60,
                label="France",
                parties=CONSUMERS,
                effective_from=D223_9_FROM,
            ),
            caller_id_rule(
                "caller-id",
                "ARCEP décision n° 2022-1583 (numbers for calls from call centres), from 1 Jan 2023",
                "Call centres present a number from ARCEP's dedicated ranges (0162, 0163, 0270, 0271, 0377, 0378, "
                "0424, 0425, 0568, 0569, 0948, 0949; overseas 09475-09479).",
                valid=True,
                permitted=lambda e164, _c: bool(ARCEP.match(e164)),
                firmness="S",
                not_permitted_text="French call centres must present a number from ARCEP's call-centre ranges "
                "(01 62, 01 63, 02 70, 02 71, 03 77, 03 78, 04 24, 04 25, 05 68, 05 69, 09 48, 09 49).",
                effective_from=date(2023, 1, 1),
            ),
        ),
        notes=(
            "Business callees are outside Bloctel and D.223-9: only the universal rules and caller ID apply.",
        ),
    )
)
