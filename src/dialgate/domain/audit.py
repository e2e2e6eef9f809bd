"""The decision audit trail as the dashboard reads it: single decisions, and counts per day and reason.

Single checks are stored one row each (table `decisions`); batches as one record with their counts per
reason (table `decision_batches`). Both count the same way here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """One stored single decision."""

    check_id: str
    campaign: str
    number: str
    at: datetime  # the instant the call was judged for
    evaluated_at: datetime
    verdict: str
    codes: tuple[str, ...]
    next_allowed_at: datetime | None
    vendor: str | None
    via: str
    reasons: tuple[dict[str, str], ...] = ()  # code, rule, law, message


@dataclass(frozen=True, slots=True)
class DayCount:
    """Decisions evaluated on one UTC day."""

    day: date
    allowed: int = 0
    blocked: int = 0

    @property
    def total(self) -> int:
        return self.allowed + self.blocked


@dataclass
class Tally:
    """Decisions in a period: how many were allowed and blocked, and how often each reason was given."""

    allowed: int = 0
    blocked: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return self.allowed + self.blocked

    def add_single(self, verdict: str, codes: str, count: int) -> None:
        """`count` single decisions with this verdict and these reason codes (joined by |)."""
        if verdict == "ALLOW":
            self.allowed += count
        else:
            self.blocked += count
        for code in filter(None, codes.split("|")):
            self.reasons[code] += count

    def add_batch(self, count: int, blocked: int, reason_counts: dict[str, int]) -> None:
        self.allowed += count - blocked
        self.blocked += blocked
        for code, n in reason_counts.items():
            self.reasons[code] += int(n)

    def top_reasons(self) -> list[tuple[str, int]]:
        return sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0]))


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def fill_days(first: date, last: date, counts: Iterable[DayCount]) -> list[DayCount]:
    """One entry per day from first to last (inclusive), zero where nothing was decided; sums duplicates."""
    by_day: dict[date, DayCount] = {}
    for c in counts:
        old = by_day.get(c.day, DayCount(c.day))
        by_day[c.day] = DayCount(c.day, old.allowed + c.allowed, old.blocked + c.blocked)
    return [by_day.get(d, DayCount(d)) for d in days_between(first, last)]
