"""Charts are SVG with a text alternative; counts of single and batch decisions add up the same way."""

from __future__ import annotations

from datetime import date

from dialgate.domain.audit import DayCount, Tally, fill_days
from dialgate.web.charts import bars_chart, days_chart


def test_the_days_chart_says_in_words_what_it_shows():
    days = fill_days(date(2026, 11, 1), date(2026, 11, 3), [DayCount(date(2026, 11, 2), 3, 4)])
    svg = str(days_chart(days))
    assert svg.startswith("<svg") and 'role="img"' in svg and "aria-labelledby" in svg
    assert "<title" in svg and "7 decisions from 2026-11-01 to 2026-11-03: 3 allowed, 4 blocked" in svg
    assert "2026-11-02: 3 allowed, 4 blocked" in svg


def test_an_empty_period_draws_an_empty_chart():
    assert "No decisions yet." in str(days_chart([]))
    assert str(bars_chart([], chart_id="x", title="t")) == ""


def test_labels_are_escaped():
    svg = str(bars_chart([("<script>", 2)], chart_id="r", title="a & b"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a &amp; b" in svg


def test_days_are_filled_and_duplicates_summed():
    days = fill_days(
        date(2026, 11, 1),
        date(2026, 11, 2),
        [DayCount(date(2026, 11, 2), 1, 0), DayCount(date(2026, 11, 2), 2, 5)],
    )
    assert days == [DayCount(date(2026, 11, 1)), DayCount(date(2026, 11, 2), 3, 5)]


def test_single_and_batch_decisions_tally_the_same_way():
    tally = Tally()
    tally.add_single("BLOCK", "NO_CONSENT|OUTSIDE_CALLING_HOURS", 2)
    tally.add_single("ALLOW", "", 3)
    tally.add_batch(10, 4, {"NO_CONSENT": 4})
    assert (tally.allowed, tally.blocked, tally.total) == (9, 6, 15)
    assert tally.top_reasons() == [("NO_CONSENT", 6), ("OUTSIDE_CALLING_HOURS", 2)]
