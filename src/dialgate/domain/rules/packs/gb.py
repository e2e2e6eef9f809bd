"""United Kingdom: TPS for consumers and CTPS for corporate subscribers (PECR reg. 21), caller ID that can
be called back and is not premium rate (PECR reg. 21(A1), Ofcom GC C6)."""

from __future__ import annotations

from dialgate.domain.rules.base import BUSINESSES, CONSUMERS, Pack, validate_pack
from dialgate.domain.rules.common import (
    caller_id_rule,
    consent_overrides,
    internal_dnc,
    register_rule,
    revoked,
)
from dialgate.domain.rules.frame import BASIS_CONSENT

_TOLD = consent_overrides([BASIS_CONSENT])

PACK = validate_pack(
    Pack(
        country="GB",
        name="United Kingdom",
        version="2026.11.2",
        legal_zone="Europe/London",
        rules=(
            revoked("PECR reg. 21(1)(a) (the subscriber told the caller they object)"),
            internal_dnc("PECR reg. 21(1)(a)"),
            register_rule(
                "tps",
                "UK-TPS",
                "PECR reg. 21(1)(b), (3) and (4)",
                "Numbers on the TPS for 28 days or more are not called unless the subscriber told this caller they do not object.",
                binding_after_days=28,
                label="the Telephone Preference Service",
                parties=CONSUMERS,
                override=_TOLD,
                override_text=" and the subscriber has not told this caller they do not object",
            ),
            register_rule(
                "tps-business",
                "UK-TPS",
                "PECR reg. 21(1)(b), (3) and (4); reg. 26 (sole traders and partnerships register on the TPS)",
                "Business campaigns also skip numbers on the TPS when a snapshot is loaded: sole traders and "
                "partnerships are individual subscribers and register there, not on the CTPS.",
                max_age_days=None,
                binding_after_days=28,
                optional=True,
                label="the Telephone Preference Service",
                parties=BUSINESSES,
                override=_TOLD,
                firmness="S",
                override_text=" and the subscriber has not told this caller they do not object",
            ),
            register_rule(
                "ctps",
                "UK-CTPS",
                "PECR reg. 21(1)(b), (3) and (4); reg. 26 (corporate subscribers)",
                "Corporate numbers on the CTPS for 28 days or more are not called unless they agreed.",
                binding_after_days=28,
                label="the Corporate Telephone Preference Service",
                parties=BUSINESSES,
                override=_TOLD,
                override_text=" and the subscriber has not told this caller they do not object",
            ),
            caller_id_rule(
                "caller-id",
                "PECR reg. 21(A1); Ofcom General Condition C6 (a valid, dialable number; no 09 premium rate)",
                "Caller ID is shown, is a number the callee can call back, and is not a 09 premium-rate number.",
                valid=True,
                permitted=lambda e164, _c: not e164.startswith("+449"),
                not_permitted_text="09 premium-rate numbers may not be presented as caller ID in the UK.",
            ),
        ),
    )
)
