"""Cases a sweep of every pack over daylight-saving changes, holidays and long waits found the engine
getting wrong: the single check and the batch must agree, and next_allowed_at must be the first
instant at which the call is allowed (tests/unit/test_engine_properties.py states the properties)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from dialgate.domain.campaign import Limits
from dialgate.domain.decision import ReasonCode
from dialgate.domain.rules.engine import Evaluation, evaluate
from dialgate.domain.rules.frame import NEVER
from dialgate.domain.rules.packs import PACKS
from dialgate.domain.windows import parse_weekly
from tests.unit.test_engine_properties import DAY, Facts, _alone, _tidy, _twice, frame_of


def _next(ev: Evaluation, row: int = 0) -> datetime | None:
    value = int(ev.next_allowed[row])
    return None if value == NEVER else datetime.fromtimestamp(value, UTC)


def _with_hours(f: Facts, hours: str) -> Facts:
    return replace(
        f, campaign=replace(f.campaign, limits=Limits(hours=parse_weekly({"mon-sun": hours}, "hours")))
    )


def test_a_batch_finds_the_next_opening_for_waits_years_apart() -> None:
    """One row may call now (outside hours: at 10:00), the other waits out a 500-day cooling-off: the
    batch's calendar must reach both, as each row's single check does."""
    at = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)  # Monday 22:30 in Paris
    f = _tidy("+33639980012", at)
    f = replace(f, campaign=replace(f.campaign, limits=Limits(cooling_off_days=500)))
    two = replace(
        _twice(f), attempts=((1, int(at.timestamp()) - DAY, True, True, True),)
    )  # refused yesterday
    batch = evaluate(frame_of(two, at), PACKS)
    assert _next(batch, 0) == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in Paris
    waited = _next(batch, 1)
    assert waited is not None and waited - at > timedelta(days=499)
    assert waited == _next(evaluate(frame_of(_alone(two, 1), at), PACKS))


def test_a_window_ending_in_the_repeated_hour_opens_again_when_the_clock_goes_back() -> None:
    """Berlin, 25 October 2026: 03:00 CEST becomes 02:00 CET, so the wall clock reads 02:00-02:59 twice.
    Campaign hours 00:00-02:30 are open until 02:30 CEST and again from 02:00 to 02:30 CET."""
    number = "+491713920012"
    closed = datetime(2026, 10, 25, 0, 40, tzinfo=UTC)  # 02:40 CEST
    ev = evaluate(frame_of(_with_hours(_tidy(number, closed), "00:00-02:30"), closed), PACKS)
    assert [r.code for r in ev.reasons_of(0)] == [ReasonCode.OUTSIDE_CALLING_HOURS]
    assert _next(ev) == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)  # 02:00 CET
    for minutes, blocked in (
        (60, False),
        (70, False),
        (89, False),
        (90, True),
    ):  # 02:00, 02:10, 02:29, 02:30 CET
        t = datetime(2026, 10, 25, 0, 0, tzinfo=UTC) + timedelta(minutes=minutes)
        again = evaluate(frame_of(_with_hours(_tidy(number, t), "00:00-02:30"), t), PACKS)
        assert bool(again.block[0]) == blocked, t
    late = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)  # 02:10 CET: before 02:30 on the wall clock
    ev = evaluate(frame_of(_with_hours(_tidy(number, late), "02:30-05:00"), late), PACKS)
    assert [r.code for r in ev.reasons_of(0)] == [ReasonCode.OUTSIDE_CALLING_HOURS]
    assert _next(ev) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET


def test_a_rows_reasons_come_in_the_order_of_its_rules_whatever_the_other_rows() -> None:
    """New York and Florida in one batch: the first row creates the shared US.hours reason, yet the
    Florida row lists the campaign's hours first, as its single check does (rules in evaluation order)."""
    at = datetime(2026, 3, 27, 1, 3, 13, tzinfo=UTC)  # 21:03 in New York, 20:03 in Pensacola (Florida's west)
    one = _with_hours(_tidy("+12125550123", at), "09:00-17:00")
    both = replace(
        one,
        numbers=("+12125550123", "+18505550123"),
        consents=(*one.consents, (1, *one.consents[0][1:])),
        dnc=(False, False),
        registers=tuple((n, a, m * 2, ld * 2) for n, a, m, ld in one.registers),
        roaming=(1, 1),
    )
    batch = evaluate(frame_of(both, at), PACKS)
    for row in (0, 1):
        single = evaluate(frame_of(_alone(both, row), at), PACKS)
        assert [r.rule for r in batch.reasons_of(row)] == [r.rule for r in single.reasons_of(0)]
    assert next(r.rule for r in batch.reasons_of(1)) == "campaign.hours"
