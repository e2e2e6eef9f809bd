"""np.unique(..., return_inverse=True) for columns that hold few distinct values, by counting.

np.unique sorts every row; grouping a scrub chunk's rows by reason set or by where they ring sorted
66,000 rows to find a handful of values, and that was a third of the time spent deciding. Counting
(np.bincount over small codes) finds the same values, in the same sorted order, in one pass.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Intp = npt.NDArray[np.intp]
U64 = npt.NDArray[np.uint64]

COUNTING_LIMIT = 1 << 16  # codes below this are counted; larger ones are sorted as before
_SLOTS_PER_ROW = 64  # ... and only while the codes' range is at most this many times the rows
_ONE = np.uint64(1)


def dense(values: npt.NDArray[np.integer], size: int | None = None) -> tuple[int, Intp]:
    """(how many distinct values, each row's rank among them): ranks follow the values' order.
    `size`, when known, bounds the values (all below it)."""
    distinct, rank = distinct_codes(values, size)
    return len(distinct), rank


def distinct_codes(
    values: npt.NDArray[np.integer], size: int | None = None
) -> tuple[npt.NDArray[np.integer], Intp]:
    """np.unique(values, return_inverse=True) for non-negative codes (all below `size` when given)."""
    if values.size == 0:
        return values[:0], np.zeros(0, dtype=np.intp)
    if size is None:
        size = int(values.max()) + 1
    # counting passes over `size` slots: for a few rows in a wide code space (single checks decided
    # together) sorting them is the cheaper way
    if size > COUNTING_LIMIT or size > _SLOTS_PER_ROW * values.size:
        distinct, inverse = np.unique(values, return_inverse=True)
        return distinct, inverse.astype(np.intp).ravel()
    present = np.flatnonzero(np.bincount(values.astype(np.intp), minlength=size))
    rank = np.zeros(size, dtype=np.intp)
    rank[present] = np.arange(len(present))
    return present, rank[values]


def distinct_rows(columns: Sequence[npt.NDArray[np.integer]]) -> tuple[Intp, Intp]:
    """Rows grouped by their tuple of values across `columns` (non-negative integers, equal length):
    (one row of each distinct tuple, in the tuples' lexicographic order; each row's group index)."""
    n = len(columns[0])
    if n == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    count, code = 1, np.zeros(n, dtype=np.intp)
    for column in columns:
        k, digit = int(column.max()) + 1, column
        # The values themselves are the digits of a mixed-radix code, which keeps the lexicographic
        # order; code and column are made dense (a few passes over the rows each) only when their
        # product would outgrow counting.
        if count * k > COUNTING_LIMIT:
            count, code = dense(code, count)
            if count * k > COUNTING_LIMIT:
                k, digit = dense(column, k)
        count, code = count * k, code * k + digit.astype(np.intp, copy=False)  # (below the limit)
    count, code = dense(code, count)
    first = np.zeros(count, dtype=np.intp)
    first[code] = np.arange(n)  # any row of a group stands for it: they all hold the same values
    return first, code


def distinct_masks(masks: U64) -> tuple[U64, Intp]:
    """np.unique(masks, return_inverse=True) for bit masks: the bits set anywhere are packed next to
    one another first, so a chunk whose rows use k distinct bits is counted in 2**k slots."""
    used = int(np.bitwise_or.reduce(masks)) if masks.size else 0
    bits = [b for b in range(64) if used >> b & 1]
    if len(bits) > 16:
        distinct, inverse = np.unique(masks, return_inverse=True)
        return distinct, inverse.astype(np.intp).ravel()
    packed = np.zeros(masks.size, dtype=np.intp)
    for j, b in enumerate(bits):
        packed |= ((masks >> np.uint64(b)) & _ONE).astype(np.intp) << j
    present, rank = distinct_codes(packed, 1 << len(bits))
    distinct = np.zeros(len(present), dtype=np.uint64)
    for j, b in enumerate(bits):  # packing keeps the bits' order, so `present` is sorted as the masks
        distinct |= ((present >> j) & 1).astype(np.uint64) << np.uint64(b)
    return distinct, rank
