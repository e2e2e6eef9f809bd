"""Spain: opt-in since 29 Jun 2023 (LGTel art. 66.1.b) with a customer basis for a year after the last
interaction, Lista Robinson when calling without express consent, hours (TRLGDCU art. 96.2), and no
mobile numbers as caller ID (Orden TDF/149/2025)."""

from __future__ import annotations

from datetime import date

from dialgate.domain.rules.base import Pack, validate_pack
from dialgate.domain.rules.common import (
    caller_id_rule,
    consent_exempts,
    consent_required,
    internal_dnc,
    months,
    number_subdivision,
    register_rule,
    revoked,
    window_rule,
)
from dialgate.domain.rules.frame import BASIS_CONSENT, BASIS_CONTRACT
from dialgate.domain.windows import parse_weekly

WEEKDAYS = parse_weekly({"mon-fri": "09:00-21:00"}, "ES.hours")
PACK = validate_pack(
    Pack(
        country="ES",
        name="Spain",
        version="2026.11.3",
        legal_zone="Europe/Madrid",
        rules=(
            revoked("Ley 11/2022 General de Telecomunicaciones art. 66.1.b; RGPD art. 21(3)"),
            internal_dnc("Ley 11/2022 General de Telecomunicaciones art. 66.1.b; RGPD art. 21(3)"),
            consent_required(
                "consent",
                "Ley 11/2022 General de Telecomunicaciones art. 66.1.b; AEPD Circular 1/2023 (a customer "
                "relationship counts while the last interaction is under a year old)",
                "Commercial calls need prior consent, or a customer relationship with an interaction in the last year.",
                bases=[BASIS_CONSENT, BASIS_CONTRACT],
                need="prior consent or current customer relationship",
                lifetimes={BASIS_CONTRACT: months(12)},
                effective_from=date(2023, 6, 29),
                firmness="S",
            ),
            register_rule(
                "robinson",
                "ES-ROBINSON",
                "LOPDGDD art. 23.4 (consult the advertising exclusion systems when calling without consent)",
                "Without express consent, the Lista Robinson is checked (snapshot at most 30 days old) and its numbers are not called.",
                label="the Lista Robinson",
                exempt=consent_exempts([BASIS_CONSENT]),
                firmness="S",
            ),
            window_rule(
                "hours",
                "TRLGDCU art. 96.2 (RDLeg 1/2007, as amended)",
                "Monday to Friday 09:00-21:00, never on weekends or public holidays (the region's too, where "
                "a landline's prefix tells it).",
                windows=WEEKDAYS,
                holidays=True,
                country="ES",
                subdiv=number_subdivision,  # a landline's province tells it; a mobile does not
                firmness="S",
            ),
            caller_id_rule(
                "caller-id",
                "TRLGDCU art. 96.2 (the company identifies itself and its commercial purpose)",
                "The caller ID is shown.",
                firmness="S",
            ),
            caller_id_rule(
                "caller-id-mobile",
                "Orden TDF/149/2025 (no mobile numbers as caller ID on commercial calls from 7 Jun 2025)",
                "From 7 Jun 2025, the caller ID of a commercial call is not a mobile number.",
                present=False,
                permitted=lambda e164, _c: not e164.startswith(("+346", "+347")),
                firmness="S",
                not_permitted_text="Spanish commercial calls may not present a mobile (6xx/7xx) number since 7 Jun 2025.",
                effective_from=date(2025, 6, 7),
            ),
        ),
        notes=(
            "The dedicated 400 prefix of the 2025 customer-service law is still a draft resolution: not enforced yet.",
        ),
    )
)
