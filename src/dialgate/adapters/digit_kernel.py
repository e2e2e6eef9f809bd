"""The compiled loop of number_digits: one pass over the bytes of a column of number fields.

Every array is uint8 / int64 / uint64 and mixed arithmetic is avoided: numba turns mixed signed and
unsigned arithmetic into floats.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dialgate.adapters.jit import jit

SHAPE_BLANK, SHAPE_NATIONAL, SHAPE_PLUS, SHAPE_OTHER = range(4)  # as bulk_numbers.SHAPE_*
_TEN = np.uint64(10)
_LIMIT = np.uint64(1844674407370955161)  # (2**64 - 1) // 10: one more digit may overflow past it


@jit
def reduce_fields(data: Any, ends: Any, shape: Any, value: Any, count: Any) -> None:
    """Field i is data[ends[i-1]:ends[i]] (from 0 for the first). Writes its shape (bulk_numbers'
    rules: edge spaces and tabs trimmed, one leading '+', then only digits and ' ().-'), the count
    of bytes left when the '+' and punctuation are dropped (its digits, for simple shapes) and, for
    simple shapes, those digits as one integer (0 when they overflow 64 bits)."""
    start = 0
    for i in range(ends.shape[0]):
        a = start
        b = ends[i]
        start = b
        while a < b and (data[a] == 32 or data[a] == 9):
            a += 1
        while b > a and (data[b - 1] == 32 or data[b - 1] == 9):
            b -= 1
        if a == b:
            shape[i] = SHAPE_BLANK
            value[i] = 0
            count[i] = 0
            continue
        plus = data[a] == 43
        if plus:
            a += 1
        simple = True
        overflow = False
        v = np.uint64(0)
        n = 0
        for q in range(a, b):
            c = data[q]
            if 48 <= c <= 57:
                d = np.uint64(c - 48)
                if v > _LIMIT or (v == _LIMIT and d > np.uint64(5)):
                    overflow = True
                v = v * _TEN + d
                n += 1
            elif c == 40 or c == 41 or c == 45 or c == 46 or c == 32:
                pass
            else:
                simple = False
                n += 1
        count[i] = n
        if simple:
            shape[i] = SHAPE_PLUS if plus else SHAPE_NATIONAL
            value[i] = v
            if overflow:  # not in one expression: 0 and a uint64 would meet as a float
                value[i] = 0
        else:
            shape[i] = SHAPE_OTHER
            value[i] = 0
