"""Decisions for many numbers at once: what a batch decider is given and what it answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from dialgate.domain.campaign import Campaign

NO_TIME = -1  # next_allowed_at value when waiting clears nothing (or nothing needs clearing)


@dataclass(frozen=True, slots=True)
class BatchContext:
    """What stays fixed for every row of one batch run."""

    campaign: Campaign
    at: datetime  # the instant every row is decided for (timezone-aware)
    caller_id: str  # as presented; "" or "anonymous" means withheld
    vendor: str | None = None


@dataclass(frozen=True, slots=True)
class BatchVerdicts:
    """Per row of a BulkNumbers: verdict, reasons and the next lawful moment."""

    blocked: npt.NDArray[np.bool_]  # True: BLOCK, False: ALLOW
    reasons: npt.NDArray[np.uint64]  # bit masks over reasons.REASON_CODES; 0 exactly when allowed
    next_allowed_at: npt.NDArray[np.int64]  # epoch seconds (UTC), NO_TIME when none
    # The same verdicts once per distinct input, when the decider evaluated one row of each: a scrub
    # formats its columns from these few entries instead of every row.
    distinct: SharedVerdicts | None = None

    def __len__(self) -> int:
        return len(self.blocked)

    def spread(self, first: npt.NDArray[np.intp], rows: npt.NDArray[np.intp]) -> BatchVerdicts:
        """These verdicts, one per distinct input (entry e decided row first[e]), given to every row
        (row i's is entry rows[i])."""
        return BatchVerdicts(
            self.blocked[rows],
            self.reasons[rows],
            self.next_allowed_at[rows],
            SharedVerdicts(self, first, rows),
        )

    @classmethod
    def allow_all(cls, rows: int) -> BatchVerdicts:
        return cls(
            blocked=np.zeros(rows, dtype=bool),
            reasons=np.zeros(rows, dtype=np.uint64),
            next_allowed_at=np.full(rows, NO_TIME, dtype=np.int64),
        )


@dataclass(frozen=True, slots=True)
class SharedVerdicts:
    entries: BatchVerdicts  # one per distinct input
    first: npt.NDArray[np.intp]  # a row each entry decided
    rows: npt.NDArray[np.intp]  # each row's entry


# Why a row of a file could not be read; such rows are kept and marked INVALID_NUMBER.
ROW_OK, ROW_UNPARSEABLE, ROW_FIELD_COUNT, ROW_UNDECODABLE, ROW_TOO_LONG = range(5)
ROW_PROBLEMS = {
    ROW_UNPARSEABLE: "cannot be read as CSV",
    ROW_FIELD_COUNT: "has a different number of fields than the header",
    ROW_UNDECODABLE: "is not valid text in the file's encoding",
    ROW_TOO_LONG: "is too long to be a CSV row",
}


@dataclass(frozen=True, slots=True)
class ScrubColumns:
    """The four columns scrub appends, as codes into small string tables (formatting happens once per
    distinct value, not per row)."""

    valid: npt.NDArray[np.bool_]
    key: npt.NDArray[np.uint64]  # E.164 digits; written as "+<key>" where valid, "" elsewhere
    blocked: npt.NDArray[np.bool_]
    reasons: npt.NDArray[np.uint32]  # index into reason_masks and reason_texts
    reason_masks: npt.NDArray[np.uint64]  # each distinct set of reasons (reasons.bit per code)
    reason_texts: tuple[str, ...]
    next_allowed: npt.NDArray[np.uint32]  # index into next_texts
    next_texts: tuple[str, ...]


OUTPUT_COLUMNS = ("dialgate_e164", "dialgate_verdict", "dialgate_reasons", "dialgate_next_allowed_at")
