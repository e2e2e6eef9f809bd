"""The single check's next lawful instant (Calendar.next_open_one) is the column engine's (next_open):
same windows, holidays, daylight-saving changes and "never", whether the calendar was built before."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from dialgate.domain.calendar import NO_TIME, Calendar, WindowRule
from dialgate.domain.windows import parse_weekly

FRANCE = WindowRule(
    parse_weekly({"mon-fri": ["10:00-13:00", "14:00-20:00"]}, "hours"),
    closed_on_holidays=True,
    holiday_country="FR",
)
US_HOURS = WindowRule(parse_weekly({"mon-sun": "08:00-21:00"}, "hours"))
MONDAYS = WindowRule(parse_weekly({"mon": "10:00-11:00"}, "hours"))
TUESDAYS = WindowRule(parse_weekly({"tue": "10:00-11:00"}, "hours"))

CASES = {
    "France, with 11 November and a weekend": ((FRANCE,), ("Europe/Paris",), datetime(2026, 11, 6, tzinfo=UTC)),
    "two US zones over the end of daylight saving": (
        (US_HOURS,), ("America/New_York", "America/Chicago"), datetime(2026, 10, 30, tzinfo=UTC),
    ),
    "windows that never meet": ((MONDAYS, TUESDAYS), ("Europe/Paris",), datetime(2026, 11, 20, tzinfo=UTC)),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_one_instant_gets_the_columns_answer(case: str) -> None:
    rules, zones, start = CASES[case]
    instants = [int(start.timestamp()) + k * 7 * 60 + 13 for k in range(0, 14 * 24 * 60 // 7, 3)]  # 2 weeks
    expected = Calendar(rules, zones).next_open(np.array(instants, dtype=np.int64)).tolist()
    one = Calendar(rules, zones)  # built by its first single answer, then extended as asked
    got = [one.next_open_one(t) for t in instants]
    assert got == expected
    if case == "windows that never meet":
        assert set(got) == {NO_TIME}
    else:
        assert NO_TIME not in got and any(g > t for g, t in zip(got, instants, strict=True))
    far = instants[-1] + 90 * 86400  # beyond the span built so far
    assert one.next_open_one(far) == int(Calendar(rules, zones).next_open(np.array([far]))[0])
