"""Italy: the Registro pubblico delle opposizioni (registration wipes earlier consents except active
contracts), the 2024 telemarketing code's hours for adherents, and the 0843/0844 caller-ID prefixes."""

from __future__ import annotations

from datetime import date

from dialgate.domain.rules.base import COMMERCIAL, Pack, validate_pack
from dialgate.domain.rules.common import (
    EitherOverride,
    caller_id_rule,
    consent_overrides,
    internal_dnc,
    register_rule,
    revoked,
    window_rule,
)
from dialgate.domain.rules.frame import BASIS_CONSENT, BASIS_CONTRACT
from dialgate.domain.vocabulary import Purpose
from dialgate.domain.windows import parse_span, parse_weekly

COVERED = COMMERCIAL | {Purpose.SURVEY}  # the RPO covers sales, market research and commercial communications
CODE_HOURS = parse_weekly({"mon-fri": "09:00-20:00", "sat": "10:00-19:00"}, "IT.hours")
PRE_HOLIDAY = (parse_span("10:00-19:00", "IT.hours"),)

_after_listing = consent_overrides([BASIS_CONSENT], after_listing=True)
_contract = consent_overrides([BASIS_CONTRACT])


# A consent given after the listing, or an active contract (registration spares only those).
_rpo_override = EitherOverride(_after_listing, _contract)


def _prefix_for_purpose(e164: str, campaign: object) -> bool:
    purpose = getattr(campaign, "purpose", None)
    if e164.startswith("+390843"):
        return purpose == Purpose.SURVEY
    if e164.startswith("+390844"):
        return purpose != Purpose.SURVEY
    return True


PACK = validate_pack(
    Pack(
        country="IT",
        name="Italy",
        version="2026.11.3",
        legal_zone="Europe/Rome",
        rules=(
            revoked("Codice privacy art. 130; GDPR art. 21(3)"),
            internal_dnc("Codice privacy art. 130; GDPR art. 21(3)"),
            register_rule(
                "rpo",
                "IT-RPO",
                "DPR 26/2022 (Registro pubblico delle opposizioni; registration revokes earlier "
                "consents except for active contracts); Law 5/2018",
                "Numbers on the RPO are called only with a consent given after the listing, or under an active contract.",
                label="the Registro pubblico delle opposizioni",
                override=_rpo_override,
                purposes=COVERED,
                firmness="S",
                override_text=" and there is neither a consent given after the listing nor an active contract",
            ),
            window_rule(
                "hours",
                "Codice di condotta per il telemarketing e il teleselling (Garante, provv. n. 148 del 7 marzo 2024)",
                "For adherents: Mon-Fri 09:00-20:00; Saturdays and days before a public holiday 10:00-19:00; "
                "never on Sundays or public holidays.",
                windows=CODE_HOURS,
                holidays=True,
                country="IT",
                pre_holiday=PRE_HOLIDAY,
                purposes=COVERED,
                when=lambda _g, c: "IT" in c.code_of_conduct,
                firmness="S",
                effective_from=date(2024, 9, 28),  # in force for adherents (GU 27 March 2024)
            ),
            caller_id_rule(
                "caller-id",
                "Codice privacy art. 130; Law 5/2018 art. 2 (an identifiable number that can be called back)",
                "Caller ID is shown and is a valid number the callee can call back.",
                valid=True,
                purposes=COVERED,
                firmness="S",
            ),
            caller_id_rule(
                "caller-id-prefix",
                "Law 5/2018 art. 2; AGCOM prefixes 0843 (statistical surveys) and 0844 (marketing and sales)",
                "0843 numbers are for surveys only; 0844 numbers for marketing and sales only.",
                present=False,
                permitted=_prefix_for_purpose,
                purposes=COVERED,
                firmness="S",
                not_permitted_text="0843 is reserved for statistical surveys and 0844 for marketing, research and sales calls.",
            ),
        ),
        notes=(
            'Calling hours apply only to campaigns that adhere to the 2024 code (code_of_conduct = ["IT"]).',
        ),
    )
)
