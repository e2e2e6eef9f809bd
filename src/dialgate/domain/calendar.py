"""Calling windows in the callee's local time, public holidays, and the next instant calls are allowed.

A calendar is the intersection of window rules (a pack's and a campaign's) over every zone the number
may ring in. It is turned into sorted, disjoint open intervals in UTC seconds, so "is it open now?" and
"when does it next open?" are array lookups: computed directly, never by stepping minute by minute,
and daylight-saving changes fall out of the zone conversions.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from dialgate.domain import deadlines, holiday_tables
from dialgate.domain.timeutil import zone_info
from dialgate.domain.windows import Span, WeeklyWindows
from dialgate.errors import InputError

NO_TIME = np.iinfo(np.int64).max  # "never", in int64 epoch seconds
# The holidays package has no calendars after 2100: a later day would have no holidays, and a call on
# Christmas would be allowed. Calls so far ahead are not decided; 2099 rather than 2100, so that a local
# 1 January 2100 east of UTC still has its calendar.
LAST_YEAR = 2099
# The last instant whose local day, in any zone, still has a calendar (2100's): a next lawful moment
# later than this cannot be vouched for.
CALENDARS_END = int(datetime(LAST_YEAR + 1, 12, 31, 10, tzinfo=UTC).timestamp())


def within_calendars(moment: datetime, field: str = "at") -> datetime:
    """`moment`, when calls at it can be decided (its holidays are known); refused otherwise."""
    if moment.year > LAST_YEAR:
        raise InputError(
            f"dialgate decides calls up to the end of {LAST_YEAR}: its public holiday calendars end there"
        ).at(field=field)
    return moment


_BUILD_DAYS = 21  # first build: three weeks covers holiday clusters and weekends
_MAX_DAYS = 400  # beyond this, a calendar that never opens is reported as never
_SCALAR_UNTIL = 7_000 * 365 * 86_400  # far from datetime's year 9999, whatever the months added


@dataclass(frozen=True, slots=True)
class WindowRule:
    """One window constraint: which local minutes of which days allow calls."""

    windows: WeeklyWindows
    closed_on_holidays: bool = False
    holiday_country: str | None = None
    holiday_subdiv: str | None = None
    pre_holiday: tuple[Span, ...] | None = None  # windows on weekdays before a public holiday (Italy's code)

    def spans(self, day: date) -> tuple[Span, ...]:
        if self.closed_on_holidays and holiday_name(self.holiday_country, self.holiday_subdiv, day):
            return ()
        if (
            self.pre_holiday is not None
            and day.weekday() < 5
            and holiday_name(self.holiday_country, self.holiday_subdiv, day + timedelta(days=1))
        ):
            return self.pre_holiday
        return self.windows.spans(day.weekday())


def holiday_name(country: str | None, subdiv: str | None, day: date) -> str | None:
    if country is None:
        return None
    return holiday_tables.table(country, subdiv, day.year).get(day)


@dataclass(frozen=True, slots=True)
class Closure:
    """Why a window rule is closed at an instant, in one zone."""

    holiday: bool  # True: the whole day is forbidden (a public holiday or a day without windows)
    zone: str
    local: datetime
    holiday_name: str | None

    def describe(self) -> str:
        when = f"{self.local:%H:%M} on {self.local:%A %d %B %Y} in {self.zone}"
        if self.holiday_name:
            return f"it is {when}, a public holiday ({self.holiday_name})"
        if self.holiday:
            return f"it is {when}, a day without calls"
        return f"it is {when}"


def closure(rule: WindowRule, zones: tuple[str, ...], at: datetime) -> Closure | None:
    """The first zone in which the rule forbids a call at `at`, or None when every zone allows it."""
    for zone in zones:
        local = at.astimezone(zone_info(zone))
        day = local.date()
        spans = rule.spans(day)
        name = (
            holiday_name(rule.holiday_country, rule.holiday_subdiv, day) if rule.closed_on_holidays else None
        )
        if not spans:
            return Closure(holiday=True, zone=zone, local=local, holiday_name=name)
        minute = local.hour * 60 + local.minute
        if not any(start <= minute < end for start, end in spans):
            return Closure(holiday=False, zone=zone, local=local, holiday_name=None)
    return None


def _local_intervals(rule: WindowRule, zone: str, first: date, days: int) -> list[tuple[int, int]]:
    tz = zone_info(zone)
    out: list[tuple[int, int]] = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        midnight = int(datetime.combine(day, time(), tzinfo=UTC).timestamp())  # the local day read as UTC
        for start, end in rule.spans(day):
            out.extend(_wall_intervals(midnight + start * 60, midnight + end * 60, tz))
    return _merge(out)


_MAX_OFFSET = 26 * 3600  # beyond any zone's offset from UTC (±14 h), with room for the span's own length


def _offset(instant: int, tz: ZoneInfo) -> int:
    gap = datetime.fromtimestamp(instant, tz).utcoffset()
    return int(gap.total_seconds()) if gap is not None else 0


def _wall_intervals(lo: int, hi: int, tz: ZoneInfo) -> list[tuple[int, int]]:
    """The instants at which the wall clock in `tz` reads a time in [lo, hi) (local times written as if
    they were UTC seconds), which is what `closure` reads.

    Across a change of offset, each side keeps the part of the span its own offset maps there: when the
    clocks go forward, a local time that does not exist is skipped (the window starts or ends at the
    transition, where the wall clock jumps past it); when they go back, the repeated times come twice,
    and so may the window (00:00-02:30 on the night Berlin goes from 03:00 back to 02:00 is open until
    02:30 CEST and again from 02:00 to 02:30 CET).
    """
    before, after = lo - _MAX_OFFSET, hi + _MAX_OFFSET
    first, last = _offset(before, tz), _offset(after, tz)
    if first == last:  # no change of offset near the span (zones change at most twice a year)
        return [(lo - first, hi - first)]
    while before + 1 < after:  # the transition: the first second with the later offset
        mid = (before + after) // 2
        if _offset(mid, tz) == first:
            before = mid
        else:
            after = mid
    pieces = ((lo - first, min(hi - first, after)), (max(lo - last, after), hi - last))
    return [(s, e) for s, e in pieces if s < e]


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        elif s < e:
            out.append((s, e))
    return out


def _intersect(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        s, e = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if s < e:
            out.append((s, e))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


@dataclass(frozen=True, slots=True)
class _Built:
    """One build of a calendar: its open intervals and the instants it answers for. Replaced whole, so a
    thread reading the calendar while another extends it sees one build or the other, never a mix."""

    first: date | None
    span: tuple[int, int]
    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]
    start_list: list[int]
    end_list: list[int]

    def covers(self, lo: int, hi: int) -> bool:
        return self.first is not None and self.span[0] <= lo and hi <= self.span[1]

    def lookup(self, t: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        idx = np.searchsorted(self.ends, t, side="right")
        out = np.full(t.shape, NO_TIME, dtype=np.int64)
        ok = idx < self.ends.size
        out[ok] = np.maximum(t[ok], self.starts[idx[ok]])
        return out


_EMPTY = np.empty(0, dtype=np.int64)


class Calendar:
    """Open intervals (UTC seconds) of a set of window rules over a set of zones; extended on demand."""

    def __init__(self, rules: tuple[WindowRule, ...], zones: tuple[str, ...]) -> None:
        self.rules, self.zones = rules, zones
        self._built = _Built(None, (0, -1), _EMPTY, _EMPTY, [], [])

    def _build(self, first: date, days: int) -> _Built:
        combined: list[tuple[int, int]] | None = None
        for rule in self.rules:
            for zone in self.zones:
                part = _local_intervals(rule, zone, first, days)
                combined = part if combined is None else _intersect(combined, part)
        if combined is None:  # no window rule at all: always open
            lo = int(datetime.combine(first, time(), tzinfo=UTC).timestamp()) - 86400
            combined = [(lo, lo + (days + 2) * 86400)]
        arr = np.array(combined, dtype=np.int64).reshape(-1, 2)
        starts, ends = arr[:, 0].copy(), arr[:, 1].copy()
        # the instants it answers for, with a day of margin for zone offsets (±14 h)
        first_s = int(datetime.combine(first, time(), tzinfo=UTC).timestamp()) + 86400
        built = _Built(
            first, (first_s, first_s + (days - 3) * 86400), starts, ends, starts.tolist(), ends.tolist()
        )
        self._built = built
        return built

    def _for(self, lo: int, hi: int) -> _Built:
        """A build that answers for every instant in [lo, hi]: the current one, or a new one from lo."""
        built = self._built
        if built.covers(lo, hi):
            return built
        first = datetime.fromtimestamp(lo, UTC).date() - timedelta(days=2)
        return self._build(first, (hi - lo) // 86400 + _BUILD_DAYS)

    def next_open(self, t: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Per instant: itself if open, else the start of the next open interval; NO_TIME if none within
        _MAX_DAYS of it. The build spans every instant asked (a batch's waits can be years apart: a
        campaign's cooling-off), then, for those it has no opening for, _MAX_DAYS past the last of them."""
        if t.size == 0:
            return t.copy()
        built = self._for(int(t.min()), int(t.max()))
        out = built.lookup(t)
        missing = out == NO_TIME
        if missing.any():
            far = t[missing]
            lo, hi = int(far.min()), int(far.max())
            if not built.covers(lo, hi + _MAX_DAYS * 86400):
                first = datetime.fromtimestamp(lo, UTC).date() - timedelta(days=2)
                out[missing] = self._build(first, (hi - lo) // 86400 + _MAX_DAYS + 7).lookup(far)
        return out

    def next_open_one(self, at: int) -> int:
        """next_open for one instant, without arrays (the single check's: numpy's per-call costs were
        most of its next lawful moment); an instant the built span cannot answer goes to next_open."""
        built = self._for(at, at)
        i = bisect.bisect_right(built.end_list, at)
        if i < len(built.end_list):
            return max(at, built.start_list[i])
        return int(self.next_open(np.array([at], dtype=np.int64))[0])

    def is_open(self, at: int) -> bool:
        """One instant, without arrays: the single check asks this on every call."""
        built = self._for(at, at)
        i = bisect.bisect_right(built.end_list, at)
        return i < len(built.end_list) and built.start_list[i] <= at


_CALENDARS: OrderedDict[tuple[tuple[WindowRule, ...], tuple[str, ...]], Calendar] = OrderedDict()


def calendar_for(rules: tuple[WindowRule, ...], zones: tuple[str, ...]) -> Calendar:
    """Calendars are shared between decisions (an LRU): the first check of a group pays for the build."""
    key = (rules, zones)
    cal = _CALENDARS.get(key)
    if cal is None:
        cal = Calendar(rules, zones)
        _CALENDARS[key] = cal
        if len(_CALENDARS) > 4096:
            _CALENDARS.popitem(last=False)
    else:
        _CALENDARS.move_to_end(key)
    return cal


def describe_windows(rule: WindowRule) -> str:
    text = rule.windows.describe()
    if rule.pre_holiday is not None:
        pre = ", ".join(f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in rule.pre_holiday)
        text += f"; days before a public holiday {pre}"
    if rule.closed_on_holidays:
        text += "; never on public holidays"
    return text


def business_days_after(day: date, count: int, country: str, subdiv: str | None = None) -> date:
    """The date `count` business days after `day` (Mon-Fri, not a public holiday of the country)."""
    current, left = day, count
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and not holiday_name(country, subdiv, current):
            left -= 1
    return current


_EPOCH_DAY = date(1970, 1, 1)


def add_months(t: npt.NDArray[np.int64], months: int) -> npt.NDArray[np.int64]:
    """Calendar months on UTC epoch seconds (31 January + 1 month = 28/29 February)."""
    if t.size == 1 and 0 <= t[0] < _SCALAR_UNTIL:  # a single check: a dozen numpy calls cost 15 µs
        days, seconds = divmod(int(t[0]), 86_400)
        day = deadlines.add_months(_EPOCH_DAY + timedelta(days=days), months)
        return np.array([(day - _EPOCH_DAY).days * 86_400 + seconds], dtype=np.int64)
    d = t.astype("datetime64[s]").astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    day_in_month = (d - m.astype("datetime64[D]")).astype(np.int64)
    target = m + np.timedelta64(months, "M")
    month_len = (
        (target + np.timedelta64(1, "M")).astype("datetime64[D]") - target.astype("datetime64[D]")
    ).astype(np.int64)
    result = target.astype("datetime64[D]") + np.minimum(day_in_month, month_len - 1).astype("timedelta64[D]")
    seconds_into_day = t - d.astype("datetime64[s]").astype(np.int64)
    return np.asarray(result.astype("datetime64[s]").astype(np.int64) + seconds_into_day, dtype=np.int64)
