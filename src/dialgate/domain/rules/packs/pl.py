"""Poland: prior consent for everyone, businesses included (PKE art. 398; PT art. 172(1) before 10 November
2024), and no marketing at the
callee's cost: mobiles roaming outside the EU/EEA are not called (dialgate's reading of PT art. 172(3))."""

from __future__ import annotations

from datetime import date, timedelta

from dialgate.domain.rules.base import Pack, validate_pack
from dialgate.domain.rules.common import caller_id_rule, consent_required, internal_dnc, revoked, roaming_rule
from dialgate.domain.rules.frame import BASIS_CONSENT

PKE_FROM = date(2024, 11, 10)  # Prawo komunikacji elektronicznej replaces Prawo telekomunikacyjne

_OBJECTION = (
    "RODO art. 21(3); Prawo komunikacji elektronicznej art. 398 (Prawo telekomunikacyjne art. 172 before it)"
)

PACK = validate_pack(
    Pack(
        country="PL",
        name="Poland",
        version="2026.11.3",
        legal_zone="Europe/Warsaw",
        rules=(
            revoked(_OBJECTION),
            internal_dnc(_OBJECTION),
            consent_required(
                "consent-before-pke",
                "Prawo telekomunikacyjne art. 172(1) (prior consent of the subscriber or end user), until PKE",
                "Every callee, business included, must have given prior consent.",
                bases=[BASIS_CONSENT],
                need="prior consent",
                effective_until=PKE_FROM - timedelta(days=1),
            ),
            consent_required(
                "consent",
                "Prawo komunikacji elektronicznej art. 398(1) (prior consent of the subscriber or end user), "
                "in force 10 November 2024",
                "Every callee, business included, must have given prior consent.",
                bases=[BASIS_CONSENT],
                need="prior consent",
                effective_from=PKE_FROM,
            ),
            roaming_rule(
                "roaming",
                "Prawo telekomunikacyjne art. 172(3) (direct marketing may not be at the consumer's cost); "
                "dialgate applies it to mobiles roaming outside the EU/EEA",
                "Mobiles roaming outside the EU/EEA, where receiving a call costs money, are not called; an unknown "
                "roaming status blocks unless the operator chose fail-open.",
            ),
            caller_id_rule(
                "caller-id",
                "Ustawa o prawach konsumenta art. 20 (the caller identifies itself at the start of the call)",
                "The caller ID is shown.",
                firmness="U",
            ),
        ),
    )
)
