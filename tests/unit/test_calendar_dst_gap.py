"""Windows that start or end inside the hour skipped when clocks go forward.

A local time that does not exist (02:30 on the night Berlin jumps from 02:00 to 03:00) must map to the
transition itself, where the wall clock passes it: otherwise the calendar and calendar.closure (which
reads the wall clock) disagree, and next_allowed_at could name an instant at which the check still
blocks. No law window starts or ends at night; a campaign's own hours could.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from dialgate.domain.calendar import WindowRule, calendar_for, closure
from dialgate.domain.windows import parse_weekly

BERLIN = ("Europe/Berlin",)


def test_the_next_open_instant_is_open_when_a_window_ends_inside_the_skipped_hour() -> None:
    rule = WindowRule(parse_weekly({"sun": "01:00-02:30"}, "hours"))
    closed_at = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)  # 00:30 CET, Sunday 29 March 2026
    assert closure(rule, BERLIN, closed_at) is not None
    nxt = int(calendar_for((rule,), BERLIN).next_open(np.array([int(closed_at.timestamp())]))[0])
    opened = datetime.fromtimestamp(nxt, UTC)  # 01:00 CET
    later = datetime(2026, 3, 29, 1, 10, tzinfo=UTC)  # 03:10 CEST: the wall clock is past 02:30
    assert closure(rule, BERLIN, opened) is None
    is_open = int(calendar_for((rule,), BERLIN).next_open(np.array([int(later.timestamp())]))[0]) == int(
        later.timestamp()
    )
    assert is_open == (closure(rule, BERLIN, later) is None)


def test_a_window_starting_inside_the_skipped_hour_agrees_with_the_wall_clock() -> None:
    rule = WindowRule(parse_weekly({"sun": "02:30-06:00"}, "hours"))
    before = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 CET
    nxt = int(calendar_for((rule,), BERLIN).next_open(np.array([int(before.timestamp())]))[0])
    assert closure(rule, BERLIN, datetime.fromtimestamp(nxt, UTC)) is None
