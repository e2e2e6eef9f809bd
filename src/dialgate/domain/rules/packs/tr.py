"""Turkey: no commercial call without an ONAY (consent) in İYS; traders (TACIR) need no consent but must
be registered in İYS and not have refused. A consent taken outside İYS counts for at most 3 Turkish
business days, the time İYS allows to register it (Regulation art. 5; İYS back-dating limit).

İYS accepts a consent dated "at most 3 business days before the current date and time", so the grace
ends at the capture's clock time on the third business day after the capture day, not at that day's end.
BIREYSEL (individual) and TACIR (trader) records are separate in İYS: one never stands in for the other.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

from dialgate.domain.calendar import business_days_after
from dialgate.domain.decision import ReasonCode as R
from dialgate.domain.rules.base import BUSINESSES, CONSUMERS, Finding, Outcome, Pack, Rule, validate_pack
from dialgate.domain.rules.common import caller_id_rule, internal_dnc, revoked
from dialgate.domain.rules.frame import (
    GRANTED,
    NEVER,
    NONE,
    PARTY_BUSINESS,
    PARTY_CONSUMER,
    REVOKED,
    Frame,
    Ints,
)

ISTANBUL = ZoneInfo("Europe/Istanbul")
GRACE_BUSINESS_DAYS = 3


@lru_cache(maxsize=4096)
def _grace_end_for(captured: int) -> int:
    """The capture's Istanbul clock time on the third Turkish business day after the capture day."""
    moment = datetime.fromtimestamp(captured, ISTANBUL)
    last = business_days_after(moment.date(), GRACE_BUSINESS_DAYS, "TR")
    return int(datetime.combine(last, moment.timetz()).timestamp())


def grace_end(captured: Ints) -> Ints:
    return np.fromiter((_grace_end_for(int(t)) for t in captured), dtype=np.int64, count=captured.size)


def _consumer(f: Frame) -> Outcome:
    c = f.consent
    granted = (c.status == GRANTED) & (c.party == PARTY_CONSUMER) & (c.captured <= f.at_s)
    live = granted & (c.expires > f.at_s)
    in_iys = (c.registry_status == GRANTED) & (c.registry_party == PARTY_CONSUMER)
    ends = np.full(f.n, NEVER, dtype=np.int64)
    pending = live & ~in_iys
    if pending.any():
        ends[pending] = grace_end(c.captured[pending])
    in_grace = pending & (f.at_s < ends)
    lapsed = pending & ~in_grace
    valid_until = np.where(live & in_iys, c.expires, np.where(in_grace, np.minimum(ends, c.expires), NEVER))
    return Outcome(
        [
            Finding(R.NO_CONSENT, (c.status == NONE) | ((c.status == GRANTED) & ~granted),
                "İYS holds no ONAY (consent) of this individual (BIREYSEL) for calls from this brand."),
            Finding(R.CONSENT_EXPIRED, lapsed,
                "The consent was taken outside İYS and was not registered there within 3 Turkish business days, so it no longer counts."),
            Finding(R.CONSENT_EXPIRED, granted & ~live, "The consent on record has expired."),
        ],
        valid_until=valid_until,
    )  # fmt: skip


def _trader(f: Frame) -> Outcome:
    c = f.consent
    # registered and not refused: İYS's latest TACIR record is an ONAY, and no refusal came after it
    known = (c.registry_status == GRANTED) & (c.registry_party == PARTY_BUSINESS)
    return Outcome([Finding(R.NO_CONSENT, ~known & (c.status != REVOKED),
        "The number is not registered in İYS as a trader (TACIR), or its record there is a refusal (RET); "
        "traders need no consent but must be registered and not have refused.")])  # fmt: skip


PACK = validate_pack(
    Pack(
        country="TR",
        name="Turkey",
        version="2026.11.3",
        legal_zone="Europe/Istanbul",
        rules=(
            revoked("Law 6563 art. 8(1); Regulation on Commercial Communication (OG 29417) art. 9(1)"),
            internal_dnc("Law 6563 art. 8(1) and (3)"),
            Rule(
                "iys-consent",
                "Law 6563 art. 6(1); Regulation on Commercial Communication (OG 29417, as amended 2020) "
                "art. 5(1)-(3): no commercial call without consent in İYS",
                (R.NO_CONSENT, R.CONSENT_EXPIRED),
                "Individuals (BIREYSEL) need an ONAY in İYS; a consent taken outside İYS counts only for the 3 "
                "business days İYS allows to register it.",
                check=_consumer,
                parties=CONSUMERS,
            ),
            Rule(
                "iys-trader",
                "Regulation on Commercial Communication (OG 29417) art. 5(3); İYS rules for TACIR recipients",
                (R.NO_CONSENT,),
                "Traders (TACIR) need no consent but must be registered in İYS and must not have refused.",
                firmness="S",
                check=_trader,
                parties=BUSINESSES,
            ),
            caller_id_rule(
                "caller-id",
                "Law 6563 art. 5 and Regulation (OG 29417): the sender must be identifiable",
                "The caller ID is shown.",
                firmness="U",
            ),
        ),
        notes=("İYS records reach the ledger through `registry import … --format iys` (source `registry`).",),
    )
)

_ = UTC  # instants are compared in UTC epoch seconds throughout
