"""Rows whose inputs are all the same get the same decision: evaluate one of each and share its answer.

The rules read where a number rings, its kind, the brand's history with it and the registers' answers
about it, never its digits. A scrub chunk of 65,000 numbers from one country holds a few hundred
distinct inputs once the number itself is set aside: evaluating one row of each, then spreading the
answers, does the engine's work once per distinct input instead of once per row.

Rows with past attempts (a list per row) or a roaming lookup error stay alone: they are few, and
comparing lists would cost more than evaluating them.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import numpy.typing as npt

from dialgate.domain.distinct import COUNTING_LIMIT, distinct_rows
from dialgate.domain.rules.frame import ConsentColumns, Frame

Intp = npt.NDArray[np.intp]

WORTH_IT = 4  # share only when the rows are at least this many times the distinct inputs


def alike_rows(frame: Frame, worth: int = WORTH_IT) -> tuple[Intp, Intp] | None:
    """(one row of each set of rows with the same inputs, each row's set), or None when sharing would
    save little (fewer than `worth` rows per distinct input)."""
    n = frame.n
    if n < worth:
        return None
    alone = np.diff(frame.attempts.offsets) > 0
    if frame.roaming_errors:
        alone |= np.array([e is not None for e in frame.roaming_errors], dtype=bool)
    lonely = int(np.count_nonzero(alone))
    if lonely * worth > n:  # as many sets at least: not worth it
        return None
    columns = [code for c in input_columns(frame) if (code := _codes(c)) is not None]
    if lonely:  # each its own code: 1, 2, ... in row order, 0 for the rows that may share
        columns.append(np.where(alone, np.cumsum(alone, dtype=np.intp), 0))
    if not columns:
        return np.zeros(1, dtype=np.intp), np.zeros(n, dtype=np.intp)
    first, inverse = distinct_rows(columns)
    if first.size * worth > n:
        return None
    return first, inverse


def input_columns(frame: Frame) -> list[npt.NDArray[np.generic]]:
    """Every per-row input the rules read, but the number itself and the attempts' lists."""
    columns: list[npt.NDArray[np.generic]] = [
        frame.valid,
        frame.mobile,
        frame.group,
        frame.dnc,
        frame.roaming,
    ]
    columns += [getattr(frame.consent, f.name) for f in fields(ConsentColumns)]
    for register in frame.registers.values():
        columns += [register.member, register.listed_on]
    columns.append(frame.attempts.last_use)
    return columns


def _codes(column: npt.NDArray[np.generic]) -> npt.NDArray[np.integer] | None:
    """The column as non-negative integers in the same order; None when every row holds the same."""
    if column.size == 0 or not (column != column[0]).any():
        return None
    if column.dtype == np.bool_:
        return column.view(np.uint8)
    values = column.astype(np.int64, copy=False)
    low, high = int(values.min()), int(values.max())
    if high - low < COUNTING_LIMIT:
        return values - low if low else values
    return np.unique(values, return_inverse=True)[1].ravel()  # (a spread no code could hold)
