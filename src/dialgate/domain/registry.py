"""National opt-out registers: what a snapshot is, and what a lookup answers.

A snapshot is immutable: a name (US-DNC, IT-RPO, …), the date it was taken (as-of), and its numbers,
optionally each with the date it was listed. Numbers are keyed as uint64 of their E.164 digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import numpy.typing as npt

NO_DATE = -1  # listed_on value when the snapshot carries no listing date for a number
EPOCH = date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    name: str
    snapshot_id: str
    as_of: date
    count: int
    imported_at: datetime
    has_listing_dates: bool

    def age_days(self, today: date) -> int:
        return (today - self.as_of).days


@dataclass(frozen=True, slots=True)
class RegisterHits:
    """Per probe: on the register or not, and the listing day (days since 1970-01-01, or NO_DATE)."""

    member: npt.NDArray[np.bool_]
    listed_on: npt.NDArray[np.int32]


def day_number(day: date) -> int:
    return (day - EPOCH).days


def from_day_number(days: int) -> date:
    return date.fromordinal(EPOCH.toordinal() + days)
