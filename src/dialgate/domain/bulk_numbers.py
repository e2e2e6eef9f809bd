"""Parse a whole column of phone numbers at once, agreeing exactly with `numbers.parse_number`.

Inputs made only of digits, spaces, `-`, `.`, `(`, `)` and one leading `+` (nearly every real list) are
parsed here with numpy: phonenumbers' own parsing steps (international prefix, country code of the
default region, national prefix, each guarded by its general pattern and length rules) are replayed on
the digits, asking the prefix tables of number_tables.py wherever phonenumbers would run a pattern.
Everything else (letters, other scripts, extensions, unusual prefixes, tables that cannot tell) goes to
`parse_number` itself, once per distinct input.

The result is a set of parallel arrays; categorical facts are small ints indexing the tables carried
with the result (`regions`, `zone_sets`, `subdivisions`) or the module constants (`KINDS`,
`ZONE_SOURCES`, `JURISDICTIONS`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from dialgate.domain.number_tables import (
    JURISDICTIONS,
    KINDS,
    LEN_INVALID,
    LEN_LOCAL_ONLY,
    LEN_TOO_LONG,
    LEN_TOO_SHORT,
    MAX_DIGITS,
    MAX_NSN,
    ZONE_SOURCES,
    NumberTables,
    Place,
    RegionParsing,
    main_region_key,
)
from dialgate.domain.numbers import PhoneNumber, clean_region, parse_number
from dialgate.errors import InputError

__all__ = [
    "JURISDICTIONS", "KINDS", "ZONE_SOURCES", "BulkNumbers", "NumberDigits", "ParseSteps", "ParsedColumns",
    "numpy_steps", "parse_bulk", "parse_one",
]  # fmt: skip

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
Bools = npt.NDArray[np.bool_]

_POW10 = np.array([10**i for i in range(20)], dtype=np.uint64)
_HEAD = 6  # leading digits kept per row for prefix tests

# Input shapes. Only NATIONAL and PLUS inputs are parsed in bulk; the rules are regular expressions (and
# MAX_INPUT) so that adapters can classify a column with their own engine and get the same answer.
SHAPE_BLANK, SHAPE_NATIONAL, SHAPE_PLUS, SHAPE_OTHER = range(4)
BLANK = r"[ \t]*"
NATIONAL = r"[ \t]*[0-9 ().\-]*[ \t]*"
PLUS = r"[ \t]*\+[0-9 ().\-]*[ \t]*"
_BLANK, _NATIONAL, _PLUS = re.compile(BLANK), re.compile(NATIONAL), re.compile(PLUS)
_NOT_DIGIT = re.compile(r"[^0-9]")


MAX_INPUT = 250  # phonenumbers refuses longer text (spaces at the edges stripped): such rows go to it


def shape_of(text: str) -> int:
    """The shape of one input: BLANK, NATIONAL or PLUS when the whole text matches that pattern (and is
    not longer than MAX_INPUT)."""
    if _BLANK.fullmatch(text):
        return SHAPE_BLANK
    if len(text.strip(" \t")) > MAX_INPUT:
        return SHAPE_OTHER
    if _NATIONAL.fullmatch(text):
        return SHAPE_NATIONAL
    if _PLUS.fullmatch(text):
        return SHAPE_PLUS
    return SHAPE_OTHER


@dataclass(frozen=True)
class NumberDigits:
    """A column of raw inputs reduced to what bulk parsing needs: each row's shape, and the number made
    of its ASCII digits. `text_of` gives back the raw text of the rows left to `parse_number`."""

    shape: U8  # SHAPE_* per row
    value: U64  # the ASCII digits of the row read as one integer (meaningful when count <= 19)
    count: I64  # how many ASCII digits the row has
    text_of: Callable[[npt.NDArray[np.intp]], Sequence[str]]
    unreadable: Bools | None = None  # rows that could not be read at all: invalid without parsing

    def __len__(self) -> int:
        return len(self.shape)

    @classmethod
    def from_strings(cls, values: Sequence[str]) -> NumberDigits:
        """The reference reduction (plain Python); adapters may compute the same with other engines."""
        texts = list(values)
        shape = np.fromiter((shape_of(t) for t in texts), dtype=np.uint8, count=len(texts))
        digits = [_NOT_DIGIT.sub("", t) for t in texts]
        count = np.fromiter((len(d) for d in digits), dtype=np.int64, count=len(texts))
        value = np.fromiter(
            (int(d) if 0 < len(d) <= MAX_DIGITS else 0 for d in digits), dtype=np.uint64, count=len(texts)
        )
        return cls(shape, value, count, lambda rows: [texts[i] for i in rows])


@dataclass(frozen=True)
class BulkNumbers:
    valid: Bools
    key: U64  # E.164 digits as an integer (numbers.e164_key); 0 when invalid
    country_code: npt.NDArray[np.uint16]  # 0 when invalid
    region: npt.NDArray[np.uint16]  # index into `regions` (phonenumbers' region, "RE" for Réunion)
    jurisdiction: U8  # index into JURISDICTIONS; 0 = no pack covers it
    kind: U8  # index into KINDS
    zone_set: npt.NDArray[np.uint16]  # index into `zone_sets`
    zone_source: U8  # index into ZONE_SOURCES
    subdivision: npt.NDArray[np.uint16]  # index into `subdivisions`; 0 = none
    place: npt.NDArray[np.uint32]  # index into `places` (valid rows): the five fields above as one code
    regions: tuple[str, ...]
    zone_sets: tuple[tuple[str, ...], ...]
    subdivisions: tuple[str, ...]
    places: tuple[Place, ...]  # (region, zone_set, subdivision, jurisdiction, zone_source) codes
    parsed_singly: int = 0  # distinct inputs that went to parse_number

    def __len__(self) -> int:
        return len(self.valid)

    def e164(self) -> npt.NDArray[np.str_]:
        """The E.164 text of each row, "" where invalid."""
        text = np.char.add("+", self.key.astype(str))
        return np.where(self.valid, text, "")

    def number(self, row: int) -> PhoneNumber | None:
        """One row as the single-number path's value (for tests and spot checks)."""
        if not self.valid[row]:
            return None
        sub = self.subdivisions[self.subdivision[row]]
        return PhoneNumber(
            e164=f"+{int(self.key[row])}",
            country_code=int(self.country_code[row]),
            region=self.regions[self.region[row]],
            jurisdiction=JURISDICTIONS[self.jurisdiction[row]],
            kind=KINDS[self.kind[row]],
            zones=self.zone_sets[self.zone_set[row]],
            zone_source=ZONE_SOURCES[self.zone_source[row]],
            subdivision=sub or None,
        )


def parse_bulk(
    numbers: NumberDigits, region: str | None, tables: NumberTables, steps: ParseSteps | None = None
) -> BulkNumbers:
    """Parse every row as `parse_number(text, region)` would. A bad `region` fails the whole call.
    `steps` parse what they can in bulk (default: numpy_steps); the rest goes to parse_number."""
    default_region = clean_region(region)
    out = ParsedColumns.empty(len(numbers), tables)
    fallback = (steps or numpy_steps)(numbers, default_region, tables, out)
    rows = np.flatnonzero(fallback)
    texts = numbers.text_of(rows) if rows.size else []
    return out.result(out.fill_singly(rows, texts, default_region))


class ParseSteps(Protocol):
    """phonenumbers' parse steps replayed on every row (`region` already checked): fills `out` for the
    rows they parse (valid or not) and returns the rows left to parse_number. Other engines (a compiled
    kernel) may compute the same; tests hold them to numpy_steps."""

    def __call__(
        self, numbers: NumberDigits, region: str | None, tables: NumberTables, out: ParsedColumns
    ) -> Bools: ...


def numpy_steps(numbers: NumberDigits, region: str | None, tables: NumberTables, out: ParsedColumns) -> Bools:
    count = numbers.count
    p = _Parse(tables, numbers.value, count)
    blank = numbers.shape == SHAPE_BLANK
    if numbers.unreadable is not None:
        blank = blank | numbers.unreadable
    p.invalid(np.flatnonzero(blank))
    sized = (count >= 3) & (count <= MAX_DIGITS) & ~blank
    plus = np.flatnonzero(sized & (numbers.shape == SHAPE_PLUS))
    national = np.flatnonzero(sized & (numbers.shape == SHAPE_NATIONAL))
    if plus.size:
        p.international(plus, start=None, retry=region is not None)
    if national.size:
        if region is None:
            p.invalid(national)  # parse_number wants a leading "+" (or a region)
        else:
            p.national(national, region)
    p.fallback(np.flatnonzero(~p.decided))
    p.finish(out)
    return p.needs_fallback


_BAD_LENGTH_CLASSES = (LEN_TOO_SHORT, LEN_LOCAL_ONLY, LEN_INVALID)
_BAD_LENGTH = np.array(_BAD_LENGTH_CLASSES)


class _Parse:
    """phonenumbers' parse steps over row vectors. Each row's national number is always a suffix of its
    digits (`skip` digits dropped), so a candidate is a country code prefix plus a skip count."""

    def __init__(self, tables: NumberTables, digits: U64, count: I64) -> None:
        self.t, self.digits, self.count = tables, digits, count
        rows = len(digits)
        self.decided = np.zeros(rows, dtype=bool)
        self.needs_fallback = np.zeros(rows, dtype=bool)
        self.leaf = np.full(rows, -1, dtype=np.int32)
        self.cc = np.zeros(rows, dtype=np.int64)
        self.skip = np.zeros(rows, dtype=np.int64)
        self._starts: dict[str, npt.NDArray[np.int32]] = {}

    # --- outcomes -----------------------------------------------------------------------------------
    def invalid(self, rows: npt.NDArray[np.intp]) -> None:
        self.decided[rows[~self.decided[rows]]] = True

    def fallback(self, rows: npt.NDArray[np.intp]) -> None:
        rows = rows[~self.decided[rows]]
        self.decided[rows] = True
        self.needs_fallback[rows] = True

    def accept(
        self, rows: npt.NDArray[np.intp], cc: int | I64, skip: I64, leaf: npt.NDArray[np.int32]
    ) -> None:
        """Rows parsed to country code `cc` and national number digits[skip:], whose leaf is `leaf`."""
        known = self.t.leaf_known[leaf]
        self.fallback(rows[~known])
        ok = rows[known]
        self.decided[ok] = True
        self.leaf[ok] = leaf[known]
        self.cc[ok] = cc if isinstance(cc, int) else cc[known]
        self.skip[ok] = skip[known]

    # --- digits and table walks ----------------------------------------------------------------------
    def starts_with(self, rows: npt.NDArray[np.intp], at: I64 | None, literal: str) -> Bools:
        """Whether digits[at:] starts with `literal` (at None: from the first digit)."""
        size = len(literal)
        if at is None:
            left = self.count[rows]
            if size <= _HEAD:
                head = self.head[rows] // _POW10[_HEAD - size]
                found: Bools = (left >= size) & (head == np.uint64(int(literal)))
                return found
            at = np.zeros(len(rows), dtype=np.int64)
        left = self.count[rows] - at
        shift = np.maximum(left - size, 0)
        head = (self.digits[rows] // _POW10[shift]) % _POW10[size]
        hit: Bools = (left >= size) & (head == np.uint64(int(literal)))
        return hit

    @cached_property
    def head(self) -> U64:
        """Each row's first _HEAD digits as a number, zero-padded on the right when shorter."""
        count = self.count
        shift = count - _HEAD
        # (clipped: a row of 26 digits has no meaningful value, and _POW10 stops at 10**19)
        down = self.digits // _POW10[np.clip(shift, 0, len(_POW10) - 1)]
        return down * _POW10[np.maximum(-shift, 0)]

    def digit_at(self, rows: npt.NDArray[np.intp], at: I64) -> I64:
        shift = np.maximum(self.count[rows] - 1 - at, 0)
        digit: I64 = ((self.digits[rows] // _POW10[shift]) % np.uint64(10)).astype(np.int64)
        return digit

    def _start_nodes(self, prefix: str) -> npt.NDArray[np.int32]:
        found = self._starts.get(prefix)
        if found is None:
            found = np.array(
                [self.t.start_node(prefix, n) if len(prefix) <= n else ~0 for n in range(MAX_DIGITS + 1)],
                dtype=np.int32,
            )
            self._starts[prefix] = found
        return found

    def walk(self, rows: npt.NDArray[np.intp], prefix: str, skip: I64) -> npt.NDArray[np.int32]:
        """The leaf of the candidate `prefix` + digits[skip:] for each row (candidates fit MAX_DIGITS).
        Two digits per step through the tables' pair index; a last single digit through the children."""
        remaining = self.count[rows] - skip
        node = self._start_nodes(prefix)[len(prefix) + remaining]
        value = self.digits[rows]
        pairs, children = self.t.pairs, self.t.children
        active = np.flatnonzero(node >= 0)
        while active.size:
            left = remaining[active]
            single = left == 1
            if single.any():
                one, active = active[single], active[~single]
                digit = (value[one] % np.uint64(10)).astype(np.int64)
                remaining[one] = 0
                node[one] = children[node[one].astype(np.int64) * 10 + digit]
                left = remaining[active]
            left -= 2
            remaining[active] = left
            pair = ((value[active] // _POW10[left]) % np.uint64(100)).astype(np.int64)
            nxt = pairs[node[active].astype(np.int64) * 100 + pair]
            node[active] = nxt
            active = active[nxt >= 0]
        leaves: npt.NDArray[np.int32] = ~node
        return leaves

    def gd(self, leaf: npt.NDArray[np.int32], rp: RegionParsing) -> Bools:
        matches: Bools = (self.t.leaf_gd[leaf] >> np.uint32(rp.gd_bit)) & np.uint32(1) == 1
        return matches

    # --- parse steps ---------------------------------------------------------------------------------
    def international(self, rows: npt.NDArray[np.intp], start: I64 | None, retry: bool) -> None:
        """Digits after a '+' (start None) or after an international prefix: country code, then the
        national prefix of the country code's main region. `retry`: parse_number would then try the
        digits as a national number of the default region (rows left to it)."""
        skip0 = np.zeros(len(rows), dtype=np.int64) if start is None else start
        leaf = self.walk(rows, "", skip0)
        cc = self.t.leaf_cc[leaf].astype(np.int64)
        lost = cc == 0
        (self.fallback if retry else self.invalid)(rows[lost])
        rows, leaf, cc, skip0 = rows[~lost], leaf[~lost], cc[~lost], skip0[~lost]
        for code in np.unique(cc).tolist():
            group = cc == code
            rp = self.t.parsing.get(main_region_key(code))
            g_rows = rows[group]
            if rp is None:
                self.fallback(g_rows)
                continue
            g_skip = skip0[group] + len(str(code))
            self.national_prefix(g_rows, code, g_skip, leaf[group], rp)

    def national(self, rows: npt.NDArray[np.intp], region: str) -> None:
        rp = self.t.parsing.get(region)
        if rp is None or rp.idd is None or rp.national_prefixes is None:
            self.fallback(rows)
            return
        zero = np.zeros(len(rows), dtype=np.int64)
        # 1. An international prefix of the region, unless a 0 follows it.
        idd_len = zero.copy()
        for literal in rp.idd:
            hit = (idd_len == 0) & self.starts_with(rows, None, literal)
            idd_len[hit] = len(literal)
        has_idd = idd_len > 0
        if has_idd.any():
            after = np.flatnonzero(has_idd)
            rest = self.count[rows[after]] - idd_len[after]
            zero_next = (rest > 0) & (self.digit_at(rows[after], idd_len[after]) == 0)
            has_idd[after[zero_next]] = False
            idd_rows = np.flatnonzero(has_idd)
            short = self.count[rows[idd_rows]] - idd_len[idd_rows] <= 2
            self.invalid(rows[idd_rows[short]])
            keep = idd_rows[~short]
            self.international(rows[keep], idd_len[keep], retry=False)
        rows = rows[~has_idd]
        code = str(rp.country_code)
        too_long = self.count[rows] + len(code) > MAX_DIGITS
        self.fallback(rows[too_long])
        rows = rows[~too_long]
        zero = np.zeros(len(rows), dtype=np.int64)
        # 2. The default region's country code written without '+'.
        leaf_d = self.walk(rows, code, zero)
        national_skip = zero.copy()
        national_leaf = leaf_d
        via_main = np.zeros(len(rows), dtype=bool)
        lead = np.flatnonzero(self.starts_with(rows, None, code) & (self.count[rows] > len(code)))
        if lead.size:
            c_rows = rows[lead]
            p_skip = np.full(len(lead), len(code), dtype=np.int64)
            p2_skip, p2_leaf = self.strip_prefix(c_rows, code, p_skip, self.walk(c_rows, code, p_skip), rp)
            better = ~self.gd(leaf_d[lead], rp) & self.gd(p2_leaf, rp)
            better |= np.asarray(rp.length_class)[self.count[c_rows]] == LEN_TOO_LONG
            taken = lead[better]
            national_skip[taken] = p2_skip[better]
            national_leaf[taken] = p2_leaf[better]
            via_main[taken] = not rp.main
        # 3. The national prefix, with the metadata phonenumbers would use for each row.
        short = (self.count[rows] - national_skip) < 2
        self.invalid(rows[short])
        own = ~short & ~via_main
        self.national_prefix(rows[own], rp.country_code, national_skip[own], national_leaf[own], rp)
        if via_main.any():
            main = self.t.parsing.get(main_region_key(rp.country_code))
            picked = ~short & via_main
            if main is None:
                self.fallback(rows[picked])
            else:
                self.national_prefix(
                    rows[picked], rp.country_code, national_skip[picked], national_leaf[picked], main
                )

    def strip_prefix(
        self, rows: npt.NDArray[np.intp], code: str, skip: I64, leaf: npt.NDArray[np.int32], rp: RegionParsing
    ) -> tuple[I64, npt.NDArray[np.int32]]:
        """phonenumbers' _maybe_strip_national_prefix_carrier_code: the national prefix is dropped unless
        the number matched the general pattern before and no longer does after."""
        assert rp.national_prefixes is not None
        cut = np.zeros(len(rows), dtype=np.int64)
        left = self.count[rows] - skip
        for literal, need in rp.national_prefixes:
            hit = (cut == 0) & self.starts_with(rows, skip, literal) & (left - len(literal) >= need)
            cut[hit] = len(literal)
        out_skip, out_leaf = skip.copy(), leaf.copy()
        cand = np.flatnonzero(cut > 0)
        if cand.size:
            s_skip = skip[cand] + cut[cand]
            s_leaf = self.walk(rows[cand], code, s_skip)
            keep = self.gd(leaf[cand], rp) & ~self.gd(s_leaf, rp)
            out_skip[cand[~keep]] = s_skip[~keep]
            out_leaf[cand[~keep]] = s_leaf[~keep]
        return out_skip, out_leaf

    def national_prefix(
        self, rows: npt.NDArray[np.intp], cc: int, skip: I64, leaf: npt.NDArray[np.int32], rp: RegionParsing
    ) -> None:
        """Step 3 of phonenumbers' parse: strip the national prefix when what remains has a possible length."""
        short = self.count[rows] - skip < 2
        self.invalid(rows[short])
        rows, skip, leaf = rows[~short], skip[~short], leaf[~short]
        if rp.national_prefixes is None:
            # A pattern not replayed here; the tables mark leaves where the main region's own national
            # prefix could match as unknown, and accept() sends those to parse_number.
            if rp.main:
                self.accept(rows, cc, skip, leaf)
            else:
                self.fallback(rows)
            return
        s_skip, s_leaf = self.strip_prefix(rows, str(cc), skip, leaf, rp)
        stripped = s_skip != skip
        bad = np.isin(np.asarray(rp.length_class)[self.count[rows] - s_skip], _BAD_LENGTH)
        use = stripped & ~bad
        skip = np.where(use, s_skip, skip)
        leaf = np.where(use, s_leaf, leaf)
        too_long = self.count[rows] - skip > MAX_NSN
        self.invalid(rows[too_long])
        self.accept(rows[~too_long], cc, skip[~too_long], leaf[~too_long])

    # --- result ------------------------------------------------------------------------------------
    def finish(self, out: ParsedColumns) -> None:
        t = self.t
        have = np.flatnonzero(self.leaf >= 0)
        leaf = self.leaf[have]
        ok = t.leaf_valid[leaf]
        rows, leaf = have[ok], leaf[ok]
        out.valid[rows] = True
        national_len = self.count[rows] - self.skip[rows]
        national = self.digits[rows] % _POW10[national_len]
        out.key[rows] = self.cc[rows].astype(np.uint64) * _POW10[national_len] + national
        out.fill(rows, leaf)


def parse_one(text: str, region: str | None, tables: NumberTables) -> PhoneNumber | None:
    """One input as numpy_steps takes a row, in plain Python: a few microseconds, where phonenumbers takes
    several tens and a one-row column about a hundred. None when the steps leave the input to parse_number
    or find it invalid: parse_number then answers, with its own message. `region`: already cleaned."""
    shape = shape_of(text)
    if shape != SHAPE_PLUS and shape != SHAPE_NATIONAL:
        return None
    digits = _NOT_DIGIT.sub("", text)
    if not 3 <= len(digits) <= MAX_DIGITS:
        return None
    one = _One(tables, digits)
    if shape == SHAPE_PLUS:
        return one.international(0)
    rp = tables.parsing.get(region) if region is not None else None
    return one.national(rp) if rp is not None else None


class _One:
    """_Parse's steps for one row, statement for statement, over the tables' plain-Python form."""

    def __init__(self, tables: NumberTables, digits: str) -> None:
        self.t, self.parsing = tables.scalar, tables.parsing
        self.digits, self.count = digits, len(digits)

    def walk(self, prefix: str, skip: int) -> int:
        """The leaf of the candidate prefix + digits[skip:], a digit a step."""
        node = self.t.roots[len(prefix) + self.count - skip]
        children = self.t.children
        for ch in prefix + self.digits[skip:]:
            if node < 0:
                break
            node = children[node * 10 + ord(ch) - 48]
        return ~node

    def gd(self, leaf: int, rp: RegionParsing) -> bool:
        return bool(self.t.leaf_gd[leaf] >> rp.gd_bit & 1)

    def accept(self, cc: int, skip: int, leaf: int) -> PhoneNumber | None:
        facts = self.t.leaf_number[leaf]
        return None if facts is None else PhoneNumber(f"+{cc}{self.digits[skip:]}", cc, *facts)

    def international(self, start: int) -> PhoneNumber | None:
        leaf = self.walk("", start)
        cc = self.t.leaf_cc[leaf]
        rp = self.parsing.get(main_region_key(cc)) if cc else None
        return None if rp is None else self.national_prefix(cc, start + len(str(cc)), leaf, rp)

    def national(self, rp: RegionParsing) -> PhoneNumber | None:
        if rp.idd is None or rp.national_prefixes is None:
            return None
        digits, count = self.digits, self.count
        # 1. An international prefix of the region, unless a 0 follows it.
        idd = next((len(literal) for literal in rp.idd if digits.startswith(literal)), 0)
        if idd and not (count > idd and digits[idd] == "0"):
            return None if count - idd <= 2 else self.international(idd)
        code = str(rp.country_code)
        if count + len(code) > MAX_DIGITS:
            return None
        # 2. The default region's country code written without '+'.
        skip, leaf, via_main = 0, self.walk(code, 0), False
        if digits.startswith(code) and count > len(code):
            p_skip, p_leaf = self.strip_prefix(code, len(code), self.walk(code, len(code)), rp)
            if (not self.gd(leaf, rp) and self.gd(p_leaf, rp)) or rp.length_class[count] == LEN_TOO_LONG:
                skip, leaf, via_main = p_skip, p_leaf, not rp.main
        # 3. The national prefix, with the metadata phonenumbers would use (too short: national_prefix).
        if via_main:
            main = self.parsing.get(main_region_key(rp.country_code))
            if main is None:
                return None
            rp = main
        return self.national_prefix(rp.country_code, skip, leaf, rp)

    def strip_prefix(self, code: str, skip: int, leaf: int, rp: RegionParsing) -> tuple[int, int]:
        assert rp.national_prefixes is not None
        for literal, need in rp.national_prefixes:
            if self.digits.startswith(literal, skip) and self.count - skip - len(literal) >= need:
                s_skip = skip + len(literal)
                s_leaf = self.walk(code, s_skip)
                if self.gd(leaf, rp) and not self.gd(s_leaf, rp):
                    return skip, leaf
                return s_skip, s_leaf
        return skip, leaf

    def national_prefix(self, cc: int, skip: int, leaf: int, rp: RegionParsing) -> PhoneNumber | None:
        count = self.count
        if count - skip < 2:
            return None
        if rp.national_prefixes is None:
            return self.accept(cc, skip, leaf) if rp.main else None
        s_skip, s_leaf = self.strip_prefix(str(cc), skip, leaf, rp)
        if s_skip != skip and rp.length_class[count - s_skip] not in _BAD_LENGTH_CLASSES:
            skip, leaf = s_skip, s_leaf
        return None if count - skip > MAX_NSN else self.accept(cc, skip, leaf)


@dataclass
class ParsedColumns:
    """BulkNumbers being filled: zeros (invalid) until a parse step finds a row's number."""

    valid: Bools
    key: U64
    country_code: npt.NDArray[np.uint16]
    region: npt.NDArray[np.uint16]
    jurisdiction: U8
    kind: U8
    zone_set: npt.NDArray[np.uint16]
    zone_source: U8
    subdivision: npt.NDArray[np.uint16]
    place: npt.NDArray[np.uint32]
    regions: list[str]
    zone_sets: list[tuple[str, ...]]
    subdivisions: list[str]
    places: list[Place]
    tables: NumberTables

    @classmethod
    def empty(cls, rows: int, t: NumberTables) -> ParsedColumns:
        return cls(
            valid=np.zeros(rows, dtype=bool),
            key=np.zeros(rows, dtype=np.uint64),
            country_code=np.zeros(rows, dtype=np.uint16),
            region=np.zeros(rows, dtype=np.uint16),
            jurisdiction=np.zeros(rows, dtype=np.uint8),
            kind=np.zeros(rows, dtype=np.uint8),
            zone_set=np.zeros(rows, dtype=np.uint16),
            zone_source=np.zeros(rows, dtype=np.uint8),
            subdivision=np.zeros(rows, dtype=np.uint16),
            place=np.zeros(rows, dtype=np.uint32),
            regions=list(t.regions),
            zone_sets=list(t.zone_sets),
            subdivisions=list(t.subdivisions),
            places=list(t.leaf_places[1]),
            tables=t,
        )

    def fill(self, rows: npt.NDArray[np.intp], lf: npt.NDArray[np.int32]) -> None:
        t = self.tables
        self.region[rows] = t.leaf_region[lf]
        self.jurisdiction[rows] = t.leaf_jurisdiction[lf]
        self.kind[rows] = t.leaf_kind[lf]
        self.zone_set[rows] = t.leaf_zone_set[lf]
        self.zone_source[rows] = t.leaf_zone_source[lf]
        self.subdivision[rows] = t.leaf_subdivision[lf]
        self.country_code[rows] = t.leaf_cc[lf]
        self.place[rows] = t.leaf_places[0][lf]

    def fill_singly(self, rows: npt.NDArray[np.intp], texts: Sequence[str], region: str | None) -> int:
        """parse_number for each distinct text among `rows`; returns how many distinct texts there were."""
        seen: dict[str, tuple[int, ...] | None] = {}  # a text's column values (None: not a number)
        for row, text in zip(rows.tolist(), texts, strict=True):
            if text in seen:
                values = seen[text]
            else:
                values = seen[text] = self._values(text, region)
            if values is None:
                continue
            self.valid[row] = True
            (self.key[row], self.country_code[row], self.kind[row], self.region[row], self.zone_set[row],
             self.subdivision[row], self.jurisdiction[row], self.zone_source[row], self.place[row]) = values  # fmt: skip
        return len(seen)

    def _values(self, text: str, region: str | None) -> tuple[int, ...] | None:
        """parse_number's answer as this row's column values: key, country code, kind, the place's
        fields, the place (new regions, zone sets, subdivisions and places are added to the lists)."""
        try:
            number = parse_number(text, region)
        except InputError:
            return None
        place = (
            _intern(self.regions, number.region),
            _intern(self.zone_sets, number.zones),
            _intern(self.subdivisions, number.subdivision or ""),
            JURISDICTIONS.index(number.jurisdiction) if number.jurisdiction else 0,
            ZONE_SOURCES.index(number.zone_source),
        )
        return (int(number.e164[1:]), number.country_code, KINDS.index(number.kind), *place,
                _intern(self.places, place))  # fmt: skip

    def result(self, singly: int) -> BulkNumbers:
        return BulkNumbers(
            valid=self.valid,
            key=self.key,
            country_code=self.country_code,
            region=self.region,
            jurisdiction=self.jurisdiction,
            kind=self.kind,
            zone_set=self.zone_set,
            zone_source=self.zone_source,
            subdivision=self.subdivision,
            place=self.place,
            regions=tuple(self.regions),
            zone_sets=tuple(self.zone_sets),
            subdivisions=tuple(self.subdivisions),
            places=tuple(self.places),
            parsed_singly=singly,
        )


T = TypeVar("T")


def _intern(table: list[T], value: T) -> int:
    try:
        return table.index(value)
    except ValueError:
        table.append(value)
        return len(table) - 1
