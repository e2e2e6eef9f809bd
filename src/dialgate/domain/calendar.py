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

NO_TIME = np.iinfo(np.int64).max  # "never", in int64 epoch seconds
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
        for start, end in rule.spans(day):
            out.append((_wall_instant(day, start, tz), _wall_instant(day, end, tz)))
    return _merge(out)


def _wall_instant(day: date, minute: int, tz: ZoneInfo) -> int:
    """The first instant at which the wall clock in `tz` reads `minute` of `day` or later.

    A local time that does not exist (the hour skipped when clocks go forward) maps to the transition
    itself, the moment the wall clock jumps past it, which is what `closure` reads. A repeated local time
    (clocks going back) maps to its first occurrence.
    """
    local = datetime.combine(day + timedelta(days=minute // 1440), time((minute % 1440) // 60, minute % 60))
    late = int(local.replace(tzinfo=tz).timestamp())  # fold=0: the offset before a transition
    if datetime.fromtimestamp(late, tz).replace(tzinfo=None) == local:
        return late
    lo = int(local.replace(tzinfo=tz, fold=1).timestamp())  # in a gap this lies before the transition
    while lo < late:  # the transition lies between: bisect on the wall clock, a few dozen steps at most
        mid = (lo + late) // 2
        if datetime.fromtimestamp(mid, tz).replace(tzinfo=None) >= local:
            late = mid
        else:
            lo = mid + 1
    return late


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


class Calendar:
    """Open intervals (UTC seconds) of a set of window rules over a set of zones; extended on demand."""

    def __init__(self, rules: tuple[WindowRule, ...], zones: tuple[str, ...]) -> None:
        self.rules, self.zones = rules, zones
        self._first: date | None = None
        self._days = 0
        self._starts = np.empty(0, dtype=np.int64)
        self._ends = np.empty(0, dtype=np.int64)
        self._span = (0, 0)
        self._start_list: list[int] = []
        self._end_list: list[int] = []

    def _build(self, first: date, days: int) -> None:
        combined: list[tuple[int, int]] | None = None
        for rule in self.rules:
            for zone in self.zones:
                part = _local_intervals(rule, zone, first, days)
                combined = part if combined is None else _intersect(combined, part)
        if combined is None:  # no window rule at all: always open
            lo = int(datetime.combine(first, time(), tzinfo=UTC).timestamp()) - 86400
            combined = [(lo, lo + (days + 2) * 86400)]
        arr = np.array(combined, dtype=np.int64).reshape(-1, 2)
        self._starts, self._ends = arr[:, 0].copy(), arr[:, 1].copy()
        self._first, self._days = first, days
        # the instants it answers for, with a day of margin for zone offsets (±14 h)
        first_s = int(datetime.combine(first, time(), tzinfo=UTC).timestamp()) + 86400
        self._span = (first_s, first_s + (days - 3) * 86400)
        self._start_list, self._end_list = self._starts.tolist(), self._ends.tolist()

    def _covers(self, lo: int, hi: int) -> bool:
        return self._first is not None and self._span[0] <= lo and hi <= self._span[1]

    def _ensure(self, lo: int, hi: int) -> None:
        if not self._covers(lo, hi):
            first = datetime.fromtimestamp(lo, UTC).date() - timedelta(days=2)
            span = (hi - lo) // 86400 + _BUILD_DAYS
            self._build(first, min(span, _MAX_DAYS + 7))

    def next_open(self, t: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Per instant: itself if open, else the start of the next open interval; NO_TIME if none in 400 days."""
        if t.size == 0:
            return t.copy()
        lo = int(t.min())
        hi = int(t.max())
        self._ensure(lo, hi)
        out = self._lookup(t)
        missing = out == NO_TIME
        horizon = lo + _MAX_DAYS * 86400
        if missing.any() and not self._covers(lo, horizon):
            self._build(datetime.fromtimestamp(lo, UTC).date() - timedelta(days=2), _MAX_DAYS + 7)
            out = self._lookup(t)
        return out

    def _lookup(self, t: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        idx = np.searchsorted(self._ends, t, side="right")
        out = np.full(t.shape, NO_TIME, dtype=np.int64)
        ok = idx < self._ends.size
        out[ok] = np.maximum(t[ok], self._starts[idx[ok]])
        return out

    def next_open_one(self, at: int) -> int:
        """next_open for one instant, without arrays (the single check's: numpy's per-call costs were
        most of its next lawful moment); an instant the built span cannot answer goes to next_open."""
        self._ensure(at, at)
        i = bisect.bisect_right(self._end_list, at)
        if i < len(self._end_list):
            return max(at, self._start_list[i])
        return int(self.next_open(np.array([at], dtype=np.int64))[0])

    def is_open(self, at: int) -> bool:
        """One instant, without arrays: the single check asks this on every call."""
        self._ensure(at, at)
        i = bisect.bisect_right(self._end_list, at)
        return i < len(self._end_list) and self._start_list[i] <= at


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
