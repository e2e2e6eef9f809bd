"""Weekly calling windows: for each weekday, the minutes of the local day when calls are allowed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from dialgate.errors import InputError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")

Span = tuple[int, int]  # [start, end) in minutes since local midnight


@dataclass(frozen=True, slots=True)
class WeeklyWindows:
    """days[i] holds sorted, disjoint spans for weekday i (0 = Monday)."""

    days: tuple[tuple[Span, ...], ...]

    def spans(self, weekday: int) -> tuple[Span, ...]:
        return self.days[weekday]

    def intersect(self, other: WeeklyWindows) -> WeeklyWindows:
        return WeeklyWindows(tuple(intersect_spans(a, b) for a, b in zip(self.days, other.days, strict=True)))

    def describe(self) -> str:
        groups: list[tuple[str, str]] = []
        for i, spans in enumerate(self.days):
            text = ", ".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in spans) or "closed"
            groups.append((DAYS[i], text))
        merged: list[str] = []
        i = 0
        while i < 7:
            j = i
            while j + 1 < 7 and groups[j + 1][1] == groups[i][1]:
                j += 1
            label = groups[i][0].capitalize() + (f"–{groups[j][0].capitalize()}" if j > i else "")
            merged.append(f"{label} {groups[i][1]}")
            i = j + 1
        return "; ".join(merged)


ALWAYS = WeeklyWindows(tuple(((0, 1440),) for _ in range(7)))


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def intersect_spans(a: tuple[Span, ...], b: tuple[Span, ...]) -> tuple[Span, ...]:
    out: list[Span] = []
    for s1, e1 in a:
        for s2, e2 in b:
            s, e = max(s1, s2), min(e1, e2)
            if s < e:
                out.append((s, e))
    return tuple(sorted(out))


def parse_span(text: str, field: str) -> Span:
    m = _RANGE.match(text.strip())
    if not m:
        raise InputError(f"'{text}' is not a time range like 09:00-19:00").at(field=field)
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59 or start >= end or end > 1440:
        raise InputError(f"'{text}' is not a range within one day (start before end, up to 24:00)").at(
            field=field
        )
    return (start, end)


def parse_days(spec: str, field: str) -> list[int]:
    """'mon-fri', 'sat', 'sat-sun', 'mon,wed' -> weekday numbers."""
    out: list[int] = []
    for part in spec.strip().lower().split(","):
        ends = [p.strip() for p in part.split("-")]
        if len(ends) > 2 or any(e not in DAYS for e in ends):
            raise InputError(f"'{spec}' is not a day or day range like mon-fri, sat or sat-sun").at(
                field=field
            )
        first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        if last < first:
            raise InputError(f"'{spec}' runs backwards; write the earlier day first").at(field=field)
        out.extend(range(first, last + 1))
    return out


def parse_weekly(table: Mapping[str, object], field: str) -> WeeklyWindows:
    """A `hours` table. Days that are not named are closed: a campaign's hours only ever narrow."""
    days: list[list[Span]] = [[] for _ in range(7)]
    for key, value in table.items():
        where = f"{field}.{key}"
        ranges = [value] if isinstance(value, str) else value
        if not isinstance(ranges, list) or not all(isinstance(r, str) for r in ranges):
            raise InputError('give a range like "09:00-19:00" or a list of them').at(field=where)
        spans = [parse_span(r, where) for r in ranges if r.strip().lower() not in ("", "closed")]
        for day in parse_days(key, where):
            days[day].extend(spans)
    return WeeklyWindows(tuple(tuple(sorted(_merge(d))) for d in days))


def _merge(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out
