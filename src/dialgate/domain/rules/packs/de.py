"""Germany: prior express consent with documentation (UWG §7(2) no. 1, §7a), presumed consent for
businesses, and a caller ID that is never suppressed (TKG)."""

from __future__ import annotations

from datetime import date, timedelta

from dialgate.domain.rules.base import COMMERCIAL, CONSUMERS, Pack, validate_pack
from dialgate.domain.rules.common import caller_id_rule, consent_required, internal_dnc, months, revoked
from dialgate.domain.rules.frame import BASIS_CONSENT
from dialgate.domain.vocabulary import Purpose

COVERED = COMMERCIAL | {Purpose.SURVEY}  # market research that serves sales counts as advertising
SECTION_7A_FROM = date(2021, 10, 1)  # the duty to document consent and keep the proof

PACK = validate_pack(
    Pack(
        country="DE",
        name="Germany",
        version="2026.11.4",
        legal_zone="Europe/Berlin",
        rules=(
            revoked("UWG § 7(2) Nr. 1; DSGVO Art. 21(3)"),
            internal_dnc("UWG § 7(2) Nr. 1; DSGVO Art. 21(3)"),
            consent_required(
                "consent-before-7a",
                "UWG § 7(2) Nr. 2 (numbering before 28 May 2022): vorherige ausdrückliche Einwilligung",
                "Consumers need prior express consent. Before § 7a UWG (1 October 2021) the law set no duty to "
                "document it and no time to keep the proof.",
                bases=[BASIS_CONSENT],
                need="prior express consent",
                parties=CONSUMERS,
                purposes=COVERED,
                effective_until=SECTION_7A_FROM - timedelta(days=1),
            ),
            consent_required(
                "consent",
                "UWG § 7(2) Nr. 1 (vorherige ausdrückliche Einwilligung); § 7a UWG (documented, kept 5 years "
                "from the grant and from each use), in force 1 October 2021",
                "Consumers need prior express consent, documented (evidence on record); a consent unused for more "
                "than 5 years is no longer relied on, as its proof need not be kept longer.",
                bases=[BASIS_CONSENT],
                need="prior express consent",
                evidence=True,
                lifetimes={BASIS_CONSENT: months(60)},  # five calendar years, leap days included
                from_last_use=True,
                parties=CONSUMERS,
                purposes=COVERED,
                effective_from=SECTION_7A_FROM,
            ),
            caller_id_rule(
                "caller-id",
                "TKG § 120 (formerly § 102(2)): advertising calls must not suppress the caller's number",
                "The caller ID is never withheld on advertising calls.",
                purposes=COVERED,
                firmness="S",
            ),
        ),
        notes=(
            "Business callees: presumed consent (BGH I ZR 191/03) is assumed; revocations and the internal list still apply.",
        ),
    )
)
