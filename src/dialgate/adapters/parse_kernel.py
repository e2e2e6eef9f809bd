"""The compiled parse pass of compiled_parse.CompiledSteps: every row through bulk_numbers._Parse's
steps, statement for statement, without the GIL.

Kept in one module, helpers and all: numba's disk cache watches only the file of the function it
compiled. Every integer is int64 or uint64, never mixed (numba turns mixed arithmetic into floats).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dialgate.adapters.compiled_parse import CODES, NATIONAL_INVALID, NATIONAL_STEPS
from dialgate.adapters.jit import jit
from dialgate.domain.bulk_numbers import SHAPE_BLANK, SHAPE_NATIONAL, SHAPE_PLUS
from dialgate.domain.number_tables import (
    LEN_INVALID,
    LEN_LOCAL_ONLY,
    LEN_TOO_LONG,
    LEN_TOO_SHORT,
    MAX_DIGITS,
    MAX_NSN,
)

INVALID, FALLBACK, ACCEPT = range(3)  # a row's outcome
_POW10 = np.array([10**i for i in range(20)], dtype=np.uint64)
_TEN = np.uint64(10)


@jit
def parse_rows(
    shape: Any, value: Any, count: Any, unreadable: Any,  # the NumberDigits
    mode: int, default: int, retry: bool,  # how national inputs are taken (region `default`); '+' inputs retried as national
    k: Any,  # the Kernel
    valid: Any, key: Any, country_code: Any, region: Any, jurisdiction: Any, kind: Any, zone_set: Any,
    zone_source: Any, subdivision: Any, place: Any,  # ParsedColumns' arrays, filled for valid rows
    fallback: Any,  # out: the rows left to parse_number
) -> None:  # fmt: skip
    """Every row through _Parse's steps. The steps are closures over the tables' arrays (numba inlines
    them): helpers taking the Kernel tuple as an argument cost 100 ns a call to pass it."""
    children, roots, starts = k.children, k.roots, k.starts
    leaf_cc, leaf_known, leaf_gd = k.leaf_cc, k.leaf_known, k.leaf_gd
    main_of, code_len, r_cc, r_main, r_gd, r_npp = k.main_of, k.code_len, k.r_cc, k.r_main, k.r_gd, k.r_npp
    length_class = k.length_class
    idd_first, idd_value, idd_len = k.idd_first, k.idd_value, k.idd_len
    npp_first, npp_value, npp_len, npp_need = k.npp_first, k.npp_value, k.npp_len, k.npp_need
    digits = np.zeros(MAX_DIGITS + 1, dtype=np.int64)  # the row's digits, most significant first

    def starts_with(n: int, at: int, literal: int, size: int) -> bool:
        """Whether the digits from `at` on start with the literal (`size` digits, read as a number)."""
        if n - at < size:
            return False
        head = 0
        for j in range(at, at + size):
            head = head * 10 + digits[j]
        return head == literal

    def walk(n: int, node: int, skip: int) -> int:
        """The leaf reached from `node` by digits[skip:n] (_Parse.walk). A digit at a time through the
        children: numpy's pairs table is ten times larger, and a row's steps wait on one another, so
        its cache misses were paid in turn."""
        for p in range(skip, n):
            if node < 0:
                break
            node = children[node * 10 + digits[p]]
        return ~node

    def gd(leaf: int, r: int) -> bool:
        matches: bool = (leaf_gd[leaf] >> r_gd[r]) & 1 == 1
        return matches

    def accept(cc: int, skip: int, leaf: int) -> tuple[int, int, int, int]:
        if not leaf_known[leaf]:
            return FALLBACK, 0, 0, 0
        return ACCEPT, cc, skip, leaf

    def strip_prefix(n: int, cc: int, skip: int, leaf: int, r: int) -> tuple[int, int]:
        """_Parse.strip_prefix: the national prefix dropped unless the number then stops matching."""
        cut = 0
        for i in range(npp_first[r], npp_first[r + 1]):
            size = npp_len[i]
            if cut == 0 and starts_with(n, skip, npp_value[i], size) and n - skip - size >= npp_need[i]:
                cut = size
        if cut > 0:
            s_skip = skip + cut
            s_leaf = walk(n, starts[cc, code_len[cc] + n - s_skip], s_skip)
            if not (gd(leaf, r) and not gd(s_leaf, r)):
                return s_skip, s_leaf
        return skip, leaf

    def national_prefix(n: int, cc: int, skip: int, leaf: int, r: int) -> tuple[int, int, int, int]:
        if n - skip < 2:
            return INVALID, 0, 0, 0
        if not r_npp[r]:
            if r_main[r]:
                return accept(cc, skip, leaf)
            return FALLBACK, 0, 0, 0
        s_skip, s_leaf = strip_prefix(n, cc, skip, leaf, r)
        if s_skip != skip:
            length = length_class[r, n - s_skip]
            if length != LEN_TOO_SHORT and length != LEN_LOCAL_ONLY and length != LEN_INVALID:
                skip, leaf = s_skip, s_leaf
        if n - skip > MAX_NSN:
            return INVALID, 0, 0, 0
        return accept(cc, skip, leaf)

    def international(n: int, skip: int, retry: bool) -> tuple[int, int, int, int]:
        """The digits from `skip` on hold a country code."""
        leaf = walk(n, roots[n - skip], skip)
        cc = leaf_cc[leaf]
        if cc == 0:
            return (FALLBACK if retry else INVALID), 0, 0, 0
        r = main_of[cc] if cc < CODES else -1
        if r < 0:
            return FALLBACK, 0, 0, 0
        return national_prefix(n, cc, skip + code_len[cc], leaf, r)

    def national(n: int, r: int) -> tuple[int, int, int, int]:
        # 1. An international prefix of the region, unless a 0 follows it.
        idd = 0
        for i in range(idd_first[r], idd_first[r + 1]):
            if idd == 0 and starts_with(n, 0, idd_value[i], idd_len[i]):
                idd = idd_len[i]
        if idd > 0 and not (n - idd > 0 and digits[idd] == 0):
            if n - idd <= 2:
                return INVALID, 0, 0, 0
            return international(n, idd, False)
        cc = r_cc[r]
        size = code_len[cc]
        if n + size > MAX_DIGITS:
            return FALLBACK, 0, 0, 0
        # 2. The region's country code written without '+'.
        leaf_d = walk(n, starts[cc, size + n], 0)
        skip, leaf, via_main = 0, leaf_d, False
        if starts_with(n, 0, cc, size) and n > size:
            p_skip, p_leaf = strip_prefix(n, cc, size, walk(n, starts[cc, n], size), r)
            if (not gd(leaf_d, r) and gd(p_leaf, r)) or length_class[r, n] == LEN_TOO_LONG:
                skip, leaf, via_main = p_skip, p_leaf, not r_main[r]
        # 3. The national prefix, with the metadata phonenumbers would use.
        if n - skip < 2:
            return INVALID, 0, 0, 0
        if not via_main:
            return national_prefix(n, cc, skip, leaf, r)
        main = main_of[cc]
        if main < 0:
            return FALLBACK, 0, 0, 0
        return national_prefix(n, cc, skip, leaf, main)

    for i in range(shape.shape[0]):
        n = count[i]
        if shape[i] == SHAPE_BLANK or unreadable[i]:
            continue  # invalid
        if n < 3 or n > MAX_DIGITS:
            fallback[i] = True
            continue
        v = value[i]
        rest = v
        for p in range(n - 1, -1, -1):
            q = rest // _TEN
            digits[p] = np.int64(rest - q * _TEN)
            rest = q
        if shape[i] == SHAPE_PLUS:
            outcome, cc, skip, leaf = international(n, 0, retry)
        elif shape[i] == SHAPE_NATIONAL and mode == NATIONAL_STEPS:
            outcome, cc, skip, leaf = national(n, default)
        elif shape[i] == SHAPE_NATIONAL and mode == NATIONAL_INVALID:
            continue
        else:
            fallback[i] = True
            continue
        if outcome == FALLBACK:
            fallback[i] = True
        elif outcome == ACCEPT and k.leaf_valid[leaf]:
            size = n - skip
            valid[i] = True
            key[i] = np.uint64(cc) * _POW10[size] + v % _POW10[size]
            country_code[i] = leaf_cc[leaf]
            region[i] = k.leaf_region[leaf]
            jurisdiction[i] = k.leaf_jurisdiction[leaf]
            kind[i] = k.leaf_kind[leaf]
            zone_set[i] = k.leaf_zone_set[leaf]
            zone_source[i] = k.leaf_zone_source[leaf]
            subdivision[i] = k.leaf_subdivision[leaf]
            place[i] = k.leaf_place[leaf]
