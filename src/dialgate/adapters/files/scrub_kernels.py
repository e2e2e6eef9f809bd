"""The compiled loop of scrub's CSV writer: each record's bytes copied from the chunk it was read from,
the four new fields appended, in one pass (polars building the same lines was a third of a scrub).

Every array is uint8 / int64 / uint64 and mixed arithmetic is avoided: numba turns mixed signed and
unsigned arithmetic into floats.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dialgate.adapters.jit import jit

_TEN = np.uint64(10)
_ZERO = np.uint64(0)


@jit
def append_columns(
    data: Any,  # uint8[:] the chunk as read
    starts: Any,  # int64[:] per record: where its text starts in data
    ends: Any,  # int64[:] and where it ends (line end excluded)
    key: Any,  # uint64[:] E.164 digits, written as "+<key>" where valid
    valid: Any,  # bool[:]
    entries: Any,  # uint8[:] small texts back to back, each with its leading delimiter
    bounds: Any,  # int64[:] entry j is entries[bounds[j]:bounds[j + 1]]
    picks: Any,  # int64[:, 3] per record: the entries of its verdict, reasons and next instant
    sep: Any,  # uint8[:] the delimiter
    term: Any,  # uint8[:] the line end
    out: Any,  # uint8[:] large enough for everything
) -> int:
    """Write record + sep + e164 + the three picked entries + term for every record; the bytes used."""
    digits = np.empty(20, dtype=np.uint8)
    p = 0
    for i in range(starts.shape[0]):
        n = ends[i] - starts[i]
        out[p : p + n] = data[starts[i] : ends[i]]
        p += n
        out[p : p + sep.shape[0]] = sep
        p += sep.shape[0]
        if valid[i]:
            out[p] = 43  # '+'
            p += 1
            k = key[i]
            m = 0
            while True:  # at least one digit, as str() writes 0
                digits[m] = 48 + np.uint8(k % _TEN)
                m += 1
                k = k // _TEN
                if k == _ZERO:
                    break
            for j in range(m):
                out[p + j] = digits[m - 1 - j]
            p += m
        for c in range(3):
            e = picks[i, c]
            n = bounds[e + 1] - bounds[e]
            out[p : p + n] = entries[bounds[e] : bounds[e + 1]]
            p += n
        out[p : p + term.shape[0]] = term
        p += term.shape[0]
    return p
