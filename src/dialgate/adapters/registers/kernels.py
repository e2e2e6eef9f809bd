"""Compiled inner loops of the register index: number parsing and membership (numba, cached on disk).

Kept apart so that `import numba` (half a second) and the first compilation are paid only by code that
opens or builds an index. Every array is int64 / uint16 / uint32 / uint8: numba turns mixed signed and
unsigned arithmetic into floats, which would be slow and wrong.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

from dialgate.adapters.jit import jit as _jit
from dialgate.adapters.jit import jit_inline as _jit_inline

# Problems a line can have, as codes the parser returns (messages in adapters/registers/formats.py).
E_CHAR = 1  # a byte that is not part of a number
E_LENGTH = 2  # too few or too many digits for the country
E_COUNTRY = 3  # +CC of another country than the register's
E_NO_COUNTRY = 4  # national format, but the register has no country (give --region)
E_NANP = 5  # North American area code or exchange starting with 0 or 1
E_WIDTH = 6  # fixed-width record of the wrong width
E_PLUS = 7  # a + that is not at the start
E_UNKNOWN_CC = 8  # +CC that is no country code

POW10 = np.array([10**i for i in range(19)], dtype=np.int64)


@_jit
def parse_numbers(
    buf: Any,  # uint8[:] whole lines, each ended by \n (the last may lack it)
    cc: int,  # the register's country code, 0 when it has none
    trunk: int,  # trunk prefix value (0 for "0", 1 for "1"), -1 when none
    trunk_len: int,
    nsn_min: int,
    nsn_max: int,
    nanp: bool,
    cc_min: Any,  # int64[1000]: per country code the shortest national number, 0 if no such code
    cc_max: Any,
    fixed_width: int,  # 0, or the exact width every record must have (TPS: 12)
    comma_ok: bool,  # FTC full lists may write "area code,number"
    pow10: Any,
    keys: Any,  # int64[:] out
    err_line: Any,  # int64[:] out: 0-based line index in buf
    err_code: Any,  # int64[:] out
    err_byte: Any,  # int64[:] out: the offending byte for E_CHAR
) -> tuple[int, int, int]:
    """Parse one number per line into E.164 keys. Returns (keys written, lines seen, errors seen).

    Blank lines are skipped. Errors beyond the capacity of err_line are counted, not stored.
    """
    n = buf.shape[0]
    nk = 0
    nerr = 0
    line = 0
    pos = 0
    while pos < n:
        # Fast path: a line of digits only, as in most register files.
        q = pos
        value = 0
        while q < n and 48 <= buf[q] <= 57 and q - pos < 18:
            value = value * 10 + (buf[q] - 48)
            q += 1
        end = q
        if q < n and buf[q] == 13 and q + 1 < n and buf[q + 1] == 10:
            end = q + 1
        simple = q > pos and (end == n or buf[end] == 10)
        count = q - pos
        plus = False
        code = 0
        bad = 0
        blank = False
        stop = q
        if not simple:
            end = pos
            while end < n and buf[end] != 10:
                end += 1
            stop = end
            if stop > pos and buf[stop - 1] == 13:
                stop -= 1
            value = 0
            count = 0
            blank = True
            for q in range(pos, stop):
                c = buf[q]
                if 48 <= c <= 57:
                    if count < 18:
                        value = value * 10 + (c - 48)
                    count += 1
                    blank = False
                elif c == 32 or c == 9 or c == 45 or c == 46 or c == 40 or c == 41 or (comma_ok and c == 44):
                    pass
                elif c == 43:
                    if count > 0 or plus:
                        code = E_PLUS
                        break
                    plus = True
                    blank = False
                else:
                    code = E_CHAR
                    bad = c
                    blank = False
                    break
        if code == 0 and blank:
            line += 1
            pos = end + 1
            continue
        if code == 0 and fixed_width > 0 and stop - pos != fixed_width:
            code = E_WIDTH
        key = 0
        if code == 0:
            if count > 18:
                code = E_LENGTH
            elif plus:
                found = 0
                clen = 0
                for length in range(1, 4):
                    if count > length:
                        prefix = value // pow10[count - length]
                        if cc_min[prefix] > 0:
                            found = prefix
                            clen = length
                            break
                if found == 0:
                    code = E_UNKNOWN_CC
                elif cc != 0 and found != cc:
                    code = E_COUNTRY
                else:
                    nsn_len = count - clen
                    if nsn_len < cc_min[found] or nsn_len > cc_max[found]:
                        code = E_LENGTH
                    elif found == 1 and nsn_len == 10:
                        nsn = value % pow10[10]
                        if nsn // pow10[9] < 2 or (nsn // pow10[6]) % 10 < 2:
                            code = E_NANP
                    elif found == 1:
                        code = E_LENGTH
                    key = value
            elif cc == 0:
                code = E_NO_COUNTRY
            else:
                nsn = value
                nsn_len = count
                if (
                    trunk_len > 0
                    and nsn_min <= count - trunk_len <= nsn_max
                    and value // pow10[count - trunk_len] == trunk
                ):
                    nsn = value % pow10[count - trunk_len]
                    nsn_len = count - trunk_len
                if nsn_len < nsn_min or nsn_len > nsn_max:
                    code = E_LENGTH
                elif nanp and (nsn // pow10[9] < 2 or (nsn // pow10[6]) % 10 < 2):
                    code = E_NANP
                else:
                    key = cc * pow10[nsn_len] + nsn
        if code == 0:
            keys[nk] = key
            nk += 1
        else:
            if nerr < err_line.shape[0]:
                err_line[nerr] = line
                err_code[nerr] = code
                err_byte[nerr] = bad
            nerr += 1
        line += 1
        pos = end + 1
    return nk, line, nerr


_function_of: Any = cgutils.get_or_insert_function  # numba's helper, untyped


def _llvm_prefetch(typingctx: Any, array: Any, index: Any) -> Any:  # noqa: ARG001
    """Ask the cache for array[index]'s line without waiting for it (LLVM's prefetch: read, keep close)."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        view = context.make_array(signature.args[0])(context, builder, args[0])
        byte_ptr = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [byte_ptr, i32, i32, i32])
        fn = _function_of(builder.module, fnty, "llvm.prefetch.p0i8")
        address = builder.bitcast(builder.gep(view.data, [args[1]]), byte_ptr)
        builder.call(fn, [address, i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.none(array, index), codegen


_prefetch: Any = intrinsic(_llvm_prefetch)

WINDOW = 16  # lows counted around a probe's interpolated position: 32 bytes, one or two cache lines
PREFETCH_AHEAD = 16  # probes between a probe's first prefetch and its search (the second comes halfway)
_RING = 32  # a power of two above PREFETCH_AHEAD: what the stages pass on to the later ones


@_jit_inline
def _window(s: Any, e: Any, g: Any) -> Any:
    """Where the WINDOW lows counted around guess g start, inside the run lows[s:e] (from s when the
    run is shorter: then only its prefetch uses it)."""
    return max(min(g - WINDOW // 2, e - WINDOW), s)


@_jit
def lookup(
    probes: Any,  # int64[:]
    dense: bool,
    base: int,
    nblocks: int,
    blocks: Any,
    offsets: Any,  # uint32[nblocks + 1]
    sub_bits: int,  # each block is cut into 2**sub_bits sub-blocks (0: not cut)
    subs: Any,  # uint16[nblocks << sub_bits]: where each sub-block starts, from its block's start
    lows: Any,  # uint16[count]
    days: Any,  # uint16[count] or empty
    member: Any,  # bool[:] out, all False on entry
    listed: Any,  # int32[:] out, all NO_DATE on entry
) -> int:
    """Membership of every probe, in the probes' order. Writes only the hits: the caller passes
    `member` all False and `listed` all NO_DATE; returns how many hit.

    A probe's low bits pick its sub-block; its numbers spread over the sub-block's keys about evenly
    (a register lists numbers across its exchanges), so its position is guessed in proportion to the
    remaining bits, off by about the square root of the sub-block's size (a few lows), and the WINDOW
    lows around the guess are counted (SIMD compares, no branch on the data). Bisection takes the
    probes the window misses. Three stages run PREFETCH_AHEAD / 2 probes apart: the first prefetches
    the probe's directory lines, the second reads them and prefetches the window, the third searches
    it. So the cache misses of many probes overlap, and each probe touches two or three lines: the
    directory's (mostly cached) and one or two of lows. Array reads stay in this body: a helper given
    an array costs a reference count's increment and decrement per call, a third of the time."""
    m = probes.shape[0]
    has_days = days.shape[0] > 0
    parts = np.int64(1) << sub_bits
    shift = 16 - sub_bits
    rest = (np.int64(1) << shift) - 1
    half = PREFETCH_AHEAD // 2
    block_of = np.zeros(_RING, np.int64)
    starts = np.zeros(_RING, np.int64)
    ends = np.zeros(_RING, np.int64)
    windows = np.zeros(_RING, np.int64)
    hits = 0
    for j in range(m + PREFETCH_AHEAD):
        if j < m:  # stage 1: find probe j's block, prefetch its directory entries
            k = probes[j]
            i = -1
            if k <= 0:
                pass
            elif dense:
                i = (k >> 16) - base
                i = i if 0 <= i < nblocks else -1
            else:  # bisect the directory's block numbers
                b = k >> 16
                lo = 0
                hi = nblocks
                while lo < hi:
                    mid = (lo + hi) >> 1
                    if blocks[mid] < b:
                        lo = mid + 1
                    else:
                        hi = mid
                i = lo if lo < nblocks and blocks[lo] == b else -1
            block_of[j & (_RING - 1)] = i
            if i >= 0:
                _prefetch(offsets, i)
                if sub_bits:
                    _prefetch(subs, (i << sub_bits) + ((k >> shift) & (parts - 1)))
        r = j - half
        if 0 <= r < m:  # stage 2: probe r's run of lows; prefetch the window around its guess
            i = block_of[r & (_RING - 1)]
            s = np.int64(0)
            e = np.int64(0)
            if i >= 0:
                k = probes[r]
                s = np.int64(offsets[i])
                e = np.int64(offsets[i + 1])
                if sub_bits:
                    part = (k >> shift) & (parts - 1)
                    at = (i << sub_bits) + part
                    first = s
                    s = first + np.int64(subs[at])
                    if part < parts - 1:
                        e = first + np.int64(subs[at + 1])
                if e > s:
                    w = _window(s, e, s + (((k & rest) * (e - s)) >> shift))
                    windows[r & (_RING - 1)] = w
                    _prefetch(lows, w)
                    _prefetch(lows, min(w + WINDOW - 1, e - 1))
            starts[r & (_RING - 1)] = s
            ends[r & (_RING - 1)] = e
        q = j - PREFETCH_AHEAD  # stage 3: search probe q
        if q < 0:
            continue
        s = starts[q & (_RING - 1)]
        e = ends[q & (_RING - 1)]
        if e == s:
            continue
        t = np.uint16(probes[q] & 0xFFFF)
        p = -2  # not yet known
        if e - s >= WINDOW:
            w = windows[q & (_RING - 1)]
            c = np.uint32(0)
            for x in range(WINDOW):
                c += np.uint32(lows[np.uint64(w) + np.uint64(x)] < t)
            at = w + np.int64(c)
            # The window holds t's place when a low below t starts it (or the run does) and one at or
            # above t ends it (or the run does): 97 % of probes in sub-blocks of about sixty numbers.
            if (c > 0 or w == s) and (c < WINDOW or at == e):
                p = at if at < e and lows[at] == t else -1
        if p == -2:
            lo = s
            hi = e
            while lo < hi:
                mid = (lo + hi) >> 1
                if lows[mid] < t:
                    lo = mid + 1
                else:
                    hi = mid
            p = lo if lo < e and lows[lo] == t else -1
        if p >= 0:
            member[q] = True
            hits += 1
            if has_days and days[p] != 0xFFFF:
                listed[q] = np.int32(days[p])
    return hits


# Position of a 64-bit word's lowest set bit: multiply the isolated bit by a de Bruijn sequence.
DEBRUIJN_INDEX = np.zeros(64, np.int64)
for _i in range(64):
    DEBRUIJN_INDEX[(((1 << _i) * 0x03F79D71B4CB0A89) & (2**64 - 1)) >> 58] = _i


@_jit
def bucket_sort(keys: Any, base: int, counts: Any, lows: Any, debruijn_index: Any) -> int:
    """Sort and de-duplicate keys into index form, in O(n): low 16 bits grouped by block, ascending.

    keys: int64[n], every key in blocks base .. base + counts.size - 1; counts: int64[nblocks] zeroed,
    out: numbers per block; lows: uint16[n], out. Returns the number of distinct keys (lows[:result]).
    A counting sort by block, then each block through an 8 KiB bitmap (in L1), read back in order.
    """
    n = keys.shape[0]
    nblocks = counts.shape[0]
    for j in range(n):
        counts[(keys[j] >> 16) - base] += 1
    start = np.empty(nblocks + 1, np.int64)
    start[0] = 0
    for b in range(nblocks):
        start[b + 1] = start[b] + counts[b]
    fill = start[:nblocks].copy()
    for j in range(n):
        b = (keys[j] >> 16) - base
        lows[fill[b]] = keys[j] & 0xFFFF
        fill[b] += 1
    bits = np.zeros(1024, np.uint64)
    one = np.uint64(1)
    mult = np.uint64(0x03F79D71B4CB0A89)
    shift = np.uint64(58)
    w = 0
    for b in range(nblocks):
        s = start[b]
        e = start[b + 1]
        if s == e:
            continue
        for x in range(s, e):
            v = np.int64(lows[x])
            bits[v >> 6] |= one << np.uint64(v & 63)
        first = w
        for word in range(1024):
            m = bits[word]
            if m == 0:
                continue
            bits[word] = 0
            while m != 0:
                lowest = m & (~m + one)
                lows[w] = (word << 6) + debruijn_index[(lowest * mult) >> shift]
                w += 1
                m ^= lowest
        counts[b] = w - first
    return w
