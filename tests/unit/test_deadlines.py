"""Request deadlines: calendar and business days, weekends and public holidays, per country."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dialgate.domain.deadlines import (
    Counting,
    add_business_days,
    add_months,
    deadline_for,
    public_holidays,
)
from dialgate.domain.numbers import parse_number
from dialgate.domain.requests import RequestKind


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def deadline(kind: RequestKind, number: str | None, received_at: datetime):
    if number is None:
        return deadline_for(kind, received_at=received_at, jurisdiction=None, region=None, zones=("UTC",))
    n = parse_number(number)
    return deadline_for(
        kind, received_at=received_at, jurisdiction=n.jurisdiction, region=n.region, zones=n.zones
    )


SAO_PAULO = "+5511900000100"
MADRID_OR_CANARY = "+34710000100"
NEW_YORK = "+12015550123"
FLORIDA_PANHANDLE = "+18505550123"  # America/Chicago and America/New_York
ISTANBUL = "+902120000100"


# --- Brazil: 7 calendar days for every demand ------------------------------------------------------------


def test_brazil_answers_every_demand_within_seven_calendar_days_holidays_included():
    # Fri 13 Nov 2026, São Paulo; 15 Nov (Proclamação) and 20 Nov (Consciência Negra) fall inside
    d = deadline(RequestKind.COMPLAINT, SAO_PAULO, utc(2026, 11, 13, 15, 0))
    assert d.rule.id == "BR.sac-7-calendar-days" and d.rule.counting is Counting.CALENDAR_DAYS
    assert d.due_at == utc(2026, 11, 21, 3, 0)  # end of Fri 20 Nov in São Paulo (UTC-3): not moved


def test_brazil_counts_from_the_local_day_of_receipt():
    # 23:30 on Friday in São Paulo is already Saturday in UTC: day 0 is still Friday
    d = deadline(RequestKind.CANCELLATION, SAO_PAULO, utc(2026, 11, 14, 2, 30))
    assert d.due_at == utc(2026, 11, 21, 3, 0)


def test_brazil_applies_to_access_requests_too():
    assert deadline(RequestKind.ACCESS, SAO_PAULO, utc(2026, 11, 13, 15)).rule.id == "BR.sac-7-calendar-days"


# --- Spain: complaints in 15 calendar days ---------------------------------------------------------------


def test_spain_answers_complaints_within_fifteen_calendar_days():
    # Tue 1 Dec 2026; 8 Dec (Inmaculada) and two weekends fall inside and do not extend the period
    d = deadline(RequestKind.COMPLAINT, MADRID_OR_CANARY, utc(2026, 12, 1, 10, 0))
    assert d.rule.id == "ES.complaint-15-calendar-days"
    # due by the end of 16 Dec: the earlier of the Madrid (UTC+1) and Canary (UTC+0) midnights
    assert d.due_at == utc(2026, 12, 16, 23, 0)


def test_spain_access_requests_follow_the_gdpr_month_and_cancellations_the_default():
    assert (
        deadline(RequestKind.ACCESS, MADRID_OR_CANARY, utc(2026, 12, 1)).rule.id == "EU.gdpr-access-one-month"
    )
    assert deadline(RequestKind.CANCELLATION, MADRID_OR_CANARY, utc(2026, 12, 1)).rule.id == (
        "default.30-calendar-days"
    )


# --- United States: opt-out ceiling of 10 business days -------------------------------------------------


def test_us_opt_out_is_done_at_once_and_the_law_would_allow_ten_business_days():
    # Wed 25 Nov 2026: Thanksgiving (Thu 26) and two weekends are skipped
    received = utc(2026, 11, 25, 15, 0)
    d = deadline(RequestKind.OPT_OUT, NEW_YORK, received)
    assert d.due_at == received
    assert d.ceiling_rule is not None and d.ceiling_rule.id == "US.opt-out-10-business-days"
    assert d.ceiling_at == utc(2026, 12, 11, 5, 0)  # end of Thu 10 Dec in New York (UTC-5)


def test_us_business_days_skip_christmas_and_new_year_across_the_year_end():
    d = deadline(RequestKind.OPT_OUT, NEW_YORK, utc(2026, 12, 18, 15, 0))  # Fri 18 Dec
    assert d.ceiling_at == utc(2027, 1, 6, 5, 0)  # end of Tue 5 Jan 2027


def test_a_number_in_two_zones_is_due_by_the_earlier_midnight():
    d = deadline(RequestKind.OPT_OUT, FLORIDA_PANHANDLE, utc(2026, 11, 25, 15, 0))
    assert d.ceiling_at == utc(2026, 12, 11, 5, 0)  # New York's midnight comes before Chicago's


def test_us_complaints_use_the_default_thirty_calendar_days():
    d = deadline(RequestKind.COMPLAINT, NEW_YORK, utc(2026, 11, 25, 15, 0))
    assert d.rule.id == "default.30-calendar-days"
    assert d.due_at == utc(2026, 12, 26, 5, 0)


# --- Turkey: opt-out ceiling of 3 business days ----------------------------------------------------------


def test_turkey_opt_out_ceiling_skips_ramazan_bayrami_and_the_weekend():
    # Thu 19 Mar 2026; Ramazan Bayramı 20-22 Mar (Fri-Sun)
    d = deadline(RequestKind.OPT_OUT, ISTANBUL, utc(2026, 3, 19, 9, 0))
    assert d.ceiling_rule is not None and d.ceiling_rule.id == "TR.opt-out-3-business-days"
    assert d.ceiling_at == utc(2026, 3, 25, 21, 0)  # end of Wed 25 Mar in Istanbul (UTC+3)


def test_turkey_opt_out_ceiling_skips_kurban_bayrami():
    # Tue 26 May 2026; Kurban Bayramı 27-30 May, then Sunday
    d = deadline(RequestKind.OPT_OUT, ISTANBUL, utc(2026, 5, 26, 9, 0))
    assert d.ceiling_at == utc(2026, 6, 3, 21, 0)


def test_turkey_access_requests_have_thirty_days_under_kvkk():
    assert deadline(RequestKind.ACCESS, ISTANBUL, utc(2026, 5, 26)).rule.id == "TR.kvkk-access-30-days"


# --- everywhere else -------------------------------------------------------------------------------------


def test_gdpr_month_ends_on_the_same_date_or_the_last_day_of_a_shorter_month():
    d = deadline(RequestKind.ACCESS, "+33199001234", utc(2027, 1, 31, 12, 0))
    assert d.rule.id == "EU.gdpr-access-one-month"
    assert d.due_at == utc(2027, 2, 28, 23, 0)  # end of 28 Feb in Paris
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


def test_uk_access_requests_follow_uk_gdpr():
    assert (
        deadline(RequestKind.ACCESS, "+447700900123", utc(2026, 11, 2)).rule.id
        == "GB.uk-gdpr-access-one-month"
    )


def test_opt_outs_elsewhere_have_no_longer_statutory_ceiling_shown():
    d = deadline(RequestKind.OPT_OUT, SAO_PAULO, utc(2026, 11, 13, 15))
    assert d.rule.counting is Counting.IMMEDIATE and d.ceiling_at is None


def test_an_unparseable_number_gets_the_shortest_period_of_any_supported_country():
    d = deadline(RequestKind.COMPLAINT, None, utc(2026, 11, 23, 10, 0))
    assert d.rule.id == "unknown.7-calendar-days"
    assert d.due_at == utc(2026, 12, 1, 0, 0)


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (date(2026, 11, 20), 1, date(2026, 11, 23)),  # Friday -> Monday
        (date(2026, 11, 21), 1, date(2026, 11, 23)),  # received on Saturday: Monday is the first
        (date(2026, 11, 23), 0, date(2026, 11, 23)),
    ],
)
def test_business_days_never_count_the_day_of_receipt_or_weekends(start, count, expected):
    assert add_business_days(start, count, set()) == expected


def test_national_holidays_are_looked_up_per_year():
    us = public_holidays("US")
    assert date(2026, 11, 26) in us and date(2027, 1, 1) in us and date(2026, 11, 27) not in us
