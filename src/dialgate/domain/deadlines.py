"""When a consumer request must be answered: the rule, its citation, and the due instant.

Sources: ../shared/spec/JURISDICTIONS.md ("Numbers for the consumer-request module") and
../shared/research/rules.md (§1 TR, §5 BR, §7 US, §9 ES; tags [V]/[S]/[U] as there).

Counting, everywhere:
- A deadline runs from the moment the request is received. Day 0 is the local day of receipt; the request
  is due by the end (local midnight) of the last day of the period, in the consumer's time zone. A number
  that rings in several zones is due by the earliest of those midnights.
- Calendar periods are never extended when they end on a weekend or holiday, even where a general
  computation rule would allow it (Reg. 1182/71 art. 3(4) for EU periods): the earlier date is always
  lawful, the later one only sometimes.
- Business days are Monday to Friday minus the country's national public holidays (`holidays`
  package). Regional holidays are left out on purpose: an extra holiday would push the date later, and a
  deadline computed with fewer holidays is never later than the true one.
- Opt-outs take effect at once in every pack (our design, JURISDICTIONS.md). Where a law allows longer,
  the request shows that ceiling next to the moment dialgate acted ("law allows until X, done at Y").
"""

from __future__ import annotations

import calendar
from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache

from dialgate.domain import holiday_tables
from dialgate.domain.requests import RequestKind
from dialgate.domain.timeutil import zone_info


class Counting(StrEnum):
    IMMEDIATE = "immediate"
    CALENDAR_DAYS = "calendar-days"
    BUSINESS_DAYS = "business-days"
    MONTHS = "months"


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    id: str
    counting: Counting
    amount: int
    law: str  # the citation a person can look up
    note: str = ""  # why this rule, in one sentence, when the law alone does not say it
    holiday_country: str | None = None  # whose public holidays business days skip

    def describe(self) -> str:
        if self.counting is Counting.IMMEDIATE:
            return "at once"
        unit = {
            Counting.CALENDAR_DAYS: "calendar day",
            Counting.BUSINESS_DAYS: "business day",
            Counting.MONTHS: "month",
        }[self.counting]
        return f"{self.amount} {unit}{'s' * (self.amount != 1)}"


@dataclass(frozen=True, slots=True)
class Deadline:
    rule: DeadlineRule
    due_at: datetime  # UTC; a request closed at or before this instant was answered in time
    ceiling_rule: DeadlineRule | None = None  # for opt-outs: the longest delay the law would allow
    ceiling_at: datetime | None = None


# --- the rules -------------------------------------------------------------------------------------------

OPT_OUT_AT_ONCE = DeadlineRule(
    "ALL.opt-out-at-once",
    Counting.IMMEDIATE,
    0,
    "dialgate design (JURISDICTIONS.md): a revocation or do-not-call entry wins in every pack, at once",
    "the opt-out is applied in the same transaction that records the request",
)
TR_OPT_OUT_CEILING = DeadlineRule(
    "TR.opt-out-3-business-days",
    Counting.BUSINESS_DAYS,
    3,
    "Law 6563 art. 8(3): the provider stops within three business days of receiving the refusal",
    holiday_country="TR",
)
US_OPT_OUT_CEILING = DeadlineRule(
    "US.opt-out-10-business-days",
    Counting.BUSINESS_DAYS,
    10,
    "47 CFR 64.1200(d)(3), as amended in force 2025-04-11: honour a do-not-call request as soon as "
    "practicable, not to exceed 10 business days",
    "business days skip US federal holidays",
    holiday_country="US",
)
BR_SAC_7_DAYS = DeadlineRule(
    "BR.sac-7-calendar-days",
    Counting.CALENDAR_DAYS,
    7,
    "Decreto 11.034/2022 (SAC): consumer demands answered within 7 calendar days ('dias corridos') of "
    "their registration",
    "applies to every kind of demand; cancellations take effect at once in the ledger",
)
ES_COMPLAINT_15_DAYS = DeadlineRule(
    "ES.complaint-15-calendar-days",
    Counting.CALENDAR_DAYS,
    15,
    "Ley de servicios de atención a la clientela (BOE 27 Dec 2025): complaints resolved within 15 days",
    "counted as calendar days: the law as reported says '15 days' without 'hábiles', the Código Civil "
    "art. 5.2 counts civil periods without excluding non-working days, and the calendar reading is the "
    "earlier date, so it is lawful under either reading",
)
GDPR_ACCESS_ONE_MONTH = DeadlineRule(
    "EU.gdpr-access-one-month",
    Counting.MONTHS,
    1,
    "GDPR art. 12(3): information on action taken on an access request (art. 15) within one month of "
    "receipt; months counted per Regulation 1182/71 art. 3(2)(c)",
    "not extended to the next working day when the month ends on a weekend or holiday",
)
UK_GDPR_ACCESS_ONE_MONTH = DeadlineRule(
    "GB.uk-gdpr-access-one-month",
    Counting.MONTHS,
    1,
    "UK GDPR art. 12(3): action on an access request within one month of receipt",
)
TR_KVKK_ACCESS_30_DAYS = DeadlineRule(
    "TR.kvkk-access-30-days",
    Counting.CALENDAR_DAYS,
    30,
    "KVKK (Law 6698) art. 13(2): the controller concludes the data subject's request within 30 days",
)
DEFAULT_30_DAYS = DeadlineRule(
    "default.30-calendar-days",
    Counting.CALENDAR_DAYS,
    30,
    "dialgate default where no rule in JURISDICTIONS.md sets a shorter period: 30 calendar days",
)
UNKNOWN_NUMBER_7_DAYS = DeadlineRule(
    "unknown.7-calendar-days",
    Counting.CALENDAR_DAYS,
    7,
    "dialgate policy: the number could not be parsed, so its country is unknown, and the shortest period "
    "any supported jurisdiction sets for this kind of request applies (BR Decreto 11.034/2022: 7 calendar "
    "days)",
)

# Where the GDPR applies: the EU and the EEA (phonenumbers regions; French overseas departments and the
# outermost regions of ES and PT are in the EU and use their mother country's code or their own region).
GDPR_REGIONS = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT",
    "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
    "RE", "GP", "MQ", "GF", "YT", "MF", "AX",
})  # fmt: skip


def rule_for(kind: RequestKind, *, jurisdiction: str | None, region: str | None) -> DeadlineRule:
    """The rule that sets the due date. `jurisdiction` None means the number could not be parsed."""
    if kind is RequestKind.OPT_OUT:
        return OPT_OUT_AT_ONCE
    if jurisdiction is None:
        return UNKNOWN_NUMBER_7_DAYS
    if jurisdiction == "BR":
        return BR_SAC_7_DAYS
    if jurisdiction == "ES" and kind is RequestKind.COMPLAINT:
        return ES_COMPLAINT_15_DAYS
    if kind is RequestKind.ACCESS:
        if jurisdiction == "GB" or region in ("GB", "GG", "JE", "IM"):
            return UK_GDPR_ACCESS_ONE_MONTH
        if jurisdiction in GDPR_REGIONS or region in GDPR_REGIONS:
            return GDPR_ACCESS_ONE_MONTH
        if jurisdiction == "TR":
            return TR_KVKK_ACCESS_30_DAYS
    return DEFAULT_30_DAYS


def ceiling_for(kind: RequestKind, jurisdiction: str | None) -> DeadlineRule | None:
    """For opt-outs: the statutory maximum delay that dialgate beats by acting at once."""
    if kind is not RequestKind.OPT_OUT:
        return None
    return {"TR": TR_OPT_OUT_CEILING, "US": US_OPT_OUT_CEILING}.get(jurisdiction or "")


def deadline_for(
    kind: RequestKind,
    *,
    received_at: datetime,
    jurisdiction: str | None,
    region: str | None,
    zones: Iterable[str],
) -> Deadline:
    zone_list = tuple(zones) or ("UTC",)
    rule = rule_for(kind, jurisdiction=jurisdiction, region=region)
    ceiling = ceiling_for(kind, jurisdiction)
    return Deadline(
        rule=rule,
        due_at=due_instant(rule, received_at, zone_list),
        ceiling_rule=ceiling,
        ceiling_at=due_instant(ceiling, received_at, zone_list) if ceiling else None,
    )


# --- counting --------------------------------------------------------------------------------------------


def due_instant(rule: DeadlineRule, received_at: datetime, zones: Iterable[str]) -> datetime:
    """The end of the period in UTC: the earliest, over the number's zones, of the last day's midnight."""
    if received_at.tzinfo is None:
        raise ValueError("naive datetime")
    if rule.counting is Counting.IMMEDIATE:
        return received_at.astimezone(UTC)
    ends = []
    for name in zones:
        zone = zone_info(name)
        last_day = due_date(rule, received_at.astimezone(zone).date())
        ends.append(datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC))
    return min(ends)


def due_date(rule: DeadlineRule, received_on: date) -> date:
    """The last local day of the period for a request received on `received_on` (day 0)."""
    if rule.counting is Counting.CALENDAR_DAYS:
        return received_on + timedelta(days=rule.amount)
    if rule.counting is Counting.MONTHS:
        return add_months(received_on, rule.amount)
    if rule.counting is Counting.BUSINESS_DAYS:
        if rule.holiday_country is None:
            raise ValueError(f"rule {rule.id} counts business days but names no country")
        return add_business_days(received_on, rule.amount, public_holidays(rule.holiday_country))
    return received_on


def add_months(start: date, months: int) -> date:
    """Same day-of-month `months` later; the month's last day when it has no such day (Jan 31 -> Feb 28)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def is_business_day(day: date, holidays_of: Container[date]) -> bool:
    return day.weekday() < 5 and day not in holidays_of


def add_business_days(start: date, count: int, holidays_of: Container[date]) -> date:
    """The `count`-th business day after `start` (the day of receipt itself never counts)."""
    day, left = start, count
    while left > 0:
        day += timedelta(days=1)
        if is_business_day(day, holidays_of):
            left -= 1
    return day


class NationalHolidays:
    """A country's national public holidays, one frozen year at a time (safe to share between threads)."""

    def __init__(self, country: str) -> None:
        self.country = country

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and day in _holidays_of_year(self.country, day.year)


@lru_cache(maxsize=256)
def _holidays_of_year(country: str, year: int) -> frozenset[date]:
    return frozenset(holiday_tables.table(country, None, year))


def public_holidays(country: str) -> NationalHolidays:
    return NationalHolidays(country)
