"""Prefix tables that answer `parse_number` for whole columns of numbers without calling phonenumbers.

A table is a digit trie over E.164 candidates (country code + national number, at most 19 digits),
one trie per total length. A node becomes a leaf once every pattern phonenumbers consults for that
country code (general, per-type and leading-digit patterns of each of its regions, the national prefix)
is decided for all completions of that length, and no time-zone prefix of phonenumbers or decisive
prefix of numbering.py lies below it. Each leaf's facts are then `parse_number` of one representative,
so the single-number path and the bulk path share one source of truth.

Leaves also carry what bulk parsing needs to replay phonenumbers' own parsing steps on national
formats: for every region of the country code, whether its general pattern matches the digits.

Building is pure and takes a while (every country code of the world); adapters cache the arrays on
disk, keyed by `fingerprint()`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata, tzdata
from phonenumbers import phonenumberutil as pnu

from dialgate.domain import numbering, numbering_data
from dialgate.domain.digit_patterns import (
    DigitPattern,
    UnsupportedPatternError,
    compile_digits,
    literal_alternatives,
)
from dialgate.domain.distinct import distinct_rows
from dialgate.domain.numbers import NumberKind, PhoneNumber, ZoneSource, parse_number
from dialgate.errors import InputError

FORMAT_VERSION = 1
MAX_DIGITS = 19  # E.164 candidates longer than this never reach the tables (uint64 holds 19 digits)
MAX_NSN = 17  # phonenumbers' longest national number
NO_CC = 0
NON_GEO = "001"  # phonenumbers' region for non-geographic country codes (+800, +882, ...)

KINDS: tuple[NumberKind, ...] = tuple(NumberKind)
ZONE_SOURCES: tuple[ZoneSource, ...] = tuple(ZoneSource)
JURISDICTIONS: tuple[str, ...] = ("", "TR", "IT", "DE", "PL", "BR", "FR", "US", "GB", "ES")
"""Index 0 is "no pack covers it" (jurisdiction ""); the rest are the packs' countries."""

# Length classes from phonenumbers' _test_number_length, as small ints.
LEN_POSSIBLE, LEN_LOCAL_ONLY, LEN_TOO_SHORT, LEN_TOO_LONG, LEN_INVALID = range(5)
_LEN_CODES = {
    pnu.ValidationResult.IS_POSSIBLE: LEN_POSSIBLE,
    pnu.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: LEN_LOCAL_ONLY,
    pnu.ValidationResult.TOO_SHORT: LEN_TOO_SHORT,
    pnu.ValidationResult.TOO_LONG: LEN_TOO_LONG,
    pnu.ValidationResult.INVALID_LENGTH: LEN_INVALID,
}

_TYPE_DESCS = (
    "premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail",
    "fixed_line", "mobile",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RegionParsing:
    """What national-format parsing needs from one region's metadata, reduced to literals.

    `idd` / `national_prefixes`: the strings the international and national prefix patterns match, in the
    order re.match prefers them; None when the pattern is not such a finite list (those inputs fall back).
    """

    region: str
    country_code: int
    main: bool  # the first region of its country code (phonenumbers' metadata for "+cc" numbers)
    gd_bit: int  # this region's bit in the leaves' general-pattern mask
    idd: tuple[str, ...] | None
    # (prefix, digits that must follow) in re.match's order; () when the region has no national prefix
    national_prefixes: tuple[tuple[str, int], ...] | None
    length_class: tuple[int, ...]  # LEN_* of a national number of each length 0..MAX_DIGITS


# A place: the codes (into a BulkNumbers' lists) of the fields that say where a number rings.
PLACE_FIELDS = ("region", "zone_set", "subdivision", "jurisdiction", "zone_source")
Place = tuple[int, ...]

# A leaf's facts in PhoneNumber's order after e164 and country_code: region, jurisdiction, kind, zones,
# zone_source, subdivision.
LeafFacts = tuple[str, str, NumberKind, tuple[str, ...], ZoneSource, str | None]


@dataclass(frozen=True, slots=True)
class ScalarTables:
    """The tables as plain-Python sequences, for one number at a time: indexing a numpy array returns a
    numpy scalar (and a gather costs microseconds to set up); a memoryview or a list returns an int."""

    children: memoryview  # NumberTables.children
    roots: list[int]
    leaf_cc: list[int]
    leaf_gd: list[int]
    leaf_number: list[LeafFacts | None]  # None: unknown (ask parse_number) or not a valid number


@dataclass(frozen=True)
class NumberTables:
    children: npt.NDArray[np.int32]  # node*10+digit -> child node (>= 0) or ~leaf (< 0)
    roots: npt.NDArray[np.int32]  # per E.164 digit count 0..MAX_DIGITS
    leaf_cc: npt.NDArray[np.uint16]
    leaf_known: npt.NDArray[np.bool_]  # False: the facts below are unknown, ask parse_number
    leaf_valid: npt.NDArray[np.bool_]
    leaf_region: npt.NDArray[np.uint16]
    leaf_kind: npt.NDArray[np.uint8]
    leaf_jurisdiction: npt.NDArray[np.uint8]
    leaf_zone_set: npt.NDArray[np.uint16]
    leaf_zone_source: npt.NDArray[np.uint8]
    leaf_subdivision: npt.NDArray[np.uint16]
    leaf_gd: npt.NDArray[np.uint32]  # bit RegionParsing.gd_bit: that region's general pattern matches
    regions: tuple[str, ...]  # index 0 is "" (none)
    zone_sets: tuple[tuple[str, ...], ...]  # index 0 is () (none)
    subdivisions: tuple[str, ...]  # index 0 is "" (none)
    parsing: Mapping[str, RegionParsing]
    fingerprint: str

    @cached_property
    def pairs(self) -> npt.NDArray[np.int32]:
        """node*100 + two digits -> the node (or ~leaf) two steps down; a leaf after one step stays."""
        first = self.children  # node*10 + a -> child
        second = self.children.reshape(-1, 10)[np.maximum(first, 0)]  # one gather, not np.where's copies
        leaf = first < 0
        second[leaf] = first[leaf, None]
        return second.reshape(-1)

    @cached_property
    def leaf_places(self) -> tuple[npt.NDArray[np.uint32], tuple[Place, ...]]:
        """Where each leaf's numbers ring, as one code: (per leaf, an index into the distinct places).
        Bulk parsing writes it per row, so grouping a batch's rows by place counts one small code
        instead of sorting five columns (derived here, not cached on disk: 2,000 leaves, a millisecond)."""
        columns = [getattr(self, f"leaf_{name}") for name in PLACE_FIELDS]
        first, code = distinct_rows(columns)
        places = tuple(zip(*(c[first].tolist() for c in columns), strict=True))
        return code.astype(np.uint32), places

    @cached_property
    def scalar(self) -> ScalarTables:
        columns = (self.leaf_valid, self.leaf_region, self.leaf_jurisdiction, self.leaf_kind,
                   self.leaf_zone_set, self.leaf_zone_source, self.leaf_subdivision)  # fmt: skip
        numbers: list[LeafFacts | None] = [
            (self.regions[r], JURISDICTIONS[j], KINDS[k], self.zone_sets[z], ZONE_SOURCES[s],
             self.subdivisions[d] or None) if valid else None  # (a valid leaf is a known one)
            for valid, r, j, k, z, s, d in zip(*(c.tolist() for c in columns), strict=True)
        ]  # fmt: skip
        return ScalarTables(
            children=np.ascontiguousarray(self.children).data,
            roots=self.roots.tolist(),
            leaf_cc=self.leaf_cc.tolist(),
            leaf_gd=self.leaf_gd.tolist(),
            leaf_number=numbers,
        )

    @property
    def node_count(self) -> int:
        return len(self.children) // 10

    @property
    def leaf_count(self) -> int:
        return len(self.leaf_cc)

    def start_node(self, prefix: str, total_digits: int) -> int:
        """The node reached by `prefix` in the trie of candidates `total_digits` long (~leaf if it ends)."""
        node = int(self.roots[total_digits])
        for ch in prefix:
            if node < 0:
                break
            node = int(self.children[node * 10 + int(ch)])
        return node

    # Serialisation for the on-disk cache (the I/O itself lives in an adapter).
    def to_arrays(self) -> dict[str, npt.NDArray[Any]]:
        arrays: dict[str, npt.NDArray[Any]] = {
            name: getattr(self, name)
            for name in (
                "children", "roots", "leaf_cc", "leaf_known", "leaf_valid", "leaf_region", "leaf_kind",
                "leaf_jurisdiction", "leaf_zone_set", "leaf_zone_source", "leaf_subdivision", "leaf_gd",
            )
        }  # fmt: skip
        arrays["meta"] = np.frombuffer(_encode_meta(self).encode(), dtype=np.uint8)
        return arrays

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[Any]]) -> NumberTables:
        meta = _decode_meta(bytes(arrays["meta"]).decode())
        return cls(
            children=arrays["children"],
            roots=arrays["roots"],
            leaf_cc=arrays["leaf_cc"],
            leaf_known=arrays["leaf_known"],
            leaf_valid=arrays["leaf_valid"],
            leaf_region=arrays["leaf_region"],
            leaf_kind=arrays["leaf_kind"],
            leaf_jurisdiction=arrays["leaf_jurisdiction"],
            leaf_zone_set=arrays["leaf_zone_set"],
            leaf_zone_source=arrays["leaf_zone_source"],
            leaf_subdivision=arrays["leaf_subdivision"],
            leaf_gd=arrays["leaf_gd"],
            **meta,
        )


@cache  # constant for the life of a process; every batch check asks
def fingerprint() -> str:
    """Changes whenever the tables would: phonenumbers' version, the overlay data, this format."""
    digest = hashlib.sha256()
    digest.update(f"{FORMAT_VERSION}|{phonenumbers.__version__}|".encode())
    for name in sorted(vars(numbering_data)):
        if name.isupper():
            digest.update(f"{name}={_canonical(getattr(numbering_data, name))}\n".encode())
    digest.update(repr(sorted(numbering.decisive_prefixes())).encode())
    return digest.hexdigest()[:24]


def _canonical(value: object) -> str:
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{_canonical(k)}:{_canonical(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, set | frozenset):
        return "{" + ",".join(sorted(_canonical(v) for v in value)) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_canonical(v) for v in value) + "]"
    return repr(value)


# --- building -----------------------------------------------------------------------------------------

_FULL, _PREFIX = 0, 1


@dataclass(frozen=True, slots=True)
class _Check:
    pattern: DigitPattern
    mode: int  # _FULL (re.fullmatch) or _PREFIX (re.match)
    gd_bit: int  # >= 0: record the outcome in the leaf's general-pattern mask
    is_npp: bool  # the main region's national prefix: a match makes the leaf's facts unknown


class _Builder:
    def __init__(self, country_codes: Iterable[int]) -> None:
        self.children: list[int] = []
        self.leaf_ids: dict[tuple[int, ...], int] = {}
        self.leaves: list[tuple[int, ...]] = []
        self.regions: dict[str, int] = {"": 0}
        self.zone_sets: dict[tuple[str, ...], int] = {(): 0}
        self.subdivisions: dict[str, int] = {"": 0}
        self.country_codes = sorted(country_codes)
        self.subtries: dict[tuple[int, int], int] = {}
        self.checks: dict[tuple[int, int], list[_Check]] = {}
        # Literal prefixes (E.164 digits) below which answers change: phonenumbers' time zones and
        # numbering.py's overlays. Map each proper prefix to the shortest key extending it.
        self.splits: dict[str, int] = {}
        self.tz_keys = frozenset(tzdata.TIMEZONE_DATA)
        self.overlay_keys = frozenset(p.lstrip("+") for p in numbering.decisive_prefixes())
        self.facts_seen: dict[tuple[object, ...], tuple[int, ...]] = {}
        for key in self.tz_keys | self.overlay_keys:
            for cut in range(len(key)):
                head = key[:cut]
                self.splits[head] = min(self.splits.get(head, MAX_DIGITS + 1), len(key))

    def node(self) -> int:
        self.children.extend([0] * 10)
        return len(self.children) // 10 - 1

    def leaf(self, facts: tuple[int, ...]) -> int:
        found = self.leaf_ids.get(facts)
        if found is None:
            found = len(self.leaves)
            self.leaves.append(facts)
            self.leaf_ids[facts] = found
        return ~found

    def no_cc_leaf(self) -> int:
        return self.leaf((NO_CC, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    def root(self, total: int) -> int:
        """The trie of all candidates `total` digits long: country code first, then its national subtrie."""
        return self._cc_level("", total)

    def _cc_level(self, prefix: str, total: int) -> int:
        if len(prefix) == total:
            return self.no_cc_leaf()
        node = self.node()
        for d in range(10):
            head = prefix + str(d)
            if head[0] == "0":
                child = self.no_cc_leaf()
            elif int(head) in COUNTRY_CODE_TO_REGION_CODE:
                cc = int(head)
                child = self.subtrie(cc, total - len(head)) if cc in self._wanted else self.unknown_leaf(cc)
            elif len(head) < 3:
                child = self._cc_level(head, total)
            else:
                child = self.no_cc_leaf()
            self.children[node * 10 + d] = child
        return node

    @property
    def _wanted(self) -> set[int]:
        return set(self.country_codes)

    def unknown_leaf(self, cc: int) -> int:
        return self.leaf((cc, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    def checks_for(self, cc: int, nsn_len: int) -> list[_Check] | None:
        key = (cc, nsn_len)
        if key in self.checks:
            return self.checks[key]
        checks: list[_Check] | None = []
        assert checks is not None
        try:
            for bit, region in enumerate(COUNTRY_CODE_TO_REGION_CODE[cc]):
                meta = _metadata(cc, region)
                if meta is None:
                    continue
                gd = meta.general_desc
                if gd is not None and gd.national_number_pattern:
                    checks.append(_Check(compile_digits(gd.national_number_pattern), _FULL, bit, False))
                gd_lengths = gd.possible_length if gd is not None else ()
                if not gd_lengths or nsn_len in gd_lengths:
                    for name in _TYPE_DESCS:
                        desc = getattr(meta, name)
                        if desc is None or not desc.national_number_pattern:
                            continue
                        if desc.possible_length and nsn_len not in desc.possible_length:
                            continue
                        checks.append(_Check(compile_digits(desc.national_number_pattern), _FULL, -1, False))
                if meta.leading_digits:
                    checks.append(_Check(compile_digits(meta.leading_digits), _PREFIX, -1, False))
                if bit == 0 and meta.national_prefix_for_parsing:
                    checks.append(_Check(compile_digits(meta.national_prefix_for_parsing), _PREFIX, -1, True))
        except UnsupportedPatternError:
            checks = None
        self.checks[key] = checks  # type: ignore[assignment]
        return checks

    def subtrie(self, cc: int, nsn_len: int) -> int:
        key = (cc, nsn_len)
        if key in self.subtries:
            return self.subtries[key]
        checks = self.checks_for(cc, nsn_len)
        if checks is None or nsn_len > MAX_NSN + 2:
            found = self.unknown_leaf(cc)
        else:
            start = [(i, c.pattern.start, False) for i, c in enumerate(checks)]
            found = self._grow(cc, str(cc), nsn_len, checks, "", start, 0)
        self.subtries[key] = found
        return found

    def _grow(
        self,
        cc: int,
        cc_text: str,
        nsn_len: int,
        checks: list[_Check],
        prefix: str,
        open_checks: list[tuple[int, int, bool]],
        outcomes: int,
    ) -> int:
        remaining = nsn_len - len(prefix)
        still: list[tuple[int, int, bool]] = []
        for index, states, matched in open_checks:
            check = checks[index]
            p = check.pattern
            outcome: bool | None
            if check.mode == _FULL:
                if not p.some_complete(states, remaining):
                    outcome = False
                elif p.all_complete(states, remaining):
                    outcome = True
                else:
                    outcome = None
            elif matched or p.accepts_now(states):
                outcome = True
            elif not p.some_prefix(states, remaining):
                outcome = False
            elif p.all_prefix(states, remaining):
                outcome = True
            else:
                outcome = None
            if outcome is None:
                still.append((index, states, matched))
            elif outcome:
                outcomes |= 1 << index
        full_prefix = cc_text + prefix
        if not still and self.splits.get(full_prefix, MAX_DIGITS + 1) > len(cc_text) + nsn_len:
            return self.leaf(self.facts_for(cc, checks, full_prefix, nsn_len, remaining, outcomes))
        node = self.node()
        for d in range(10):
            stepped = []
            for index, states, matched in still:
                p = checks[index].pattern
                was = matched or (checks[index].mode == _PREFIX and p.accepts_now(states))
                stepped.append((index, p.step(states, d), was))
            child = self._grow(cc, cc_text, nsn_len, checks, prefix + str(d), stepped, outcomes)
            self.children[node * 10 + d] = child
        return node

    def facts_for(
        self, cc: int, checks: list[_Check], prefix: str, nsn_len: int, remaining: int, outcomes: int
    ) -> tuple[int, ...]:
        """Leaves that agree on every check and on the time-zone and overlay prefixes above them have
        the same facts: parse one representative per such signature."""
        signature = (
            cc,
            nsn_len,
            outcomes,
            _longest_key(prefix, self.tz_keys),
            _longest_key(prefix, self.overlay_keys),
        )
        found = self.facts_seen.get(signature)
        if found is None:
            gd_mask, npp = 0, False
            for index, check in enumerate(checks):
                if outcomes >> index & 1:
                    if check.gd_bit >= 0:
                        gd_mask |= 1 << check.gd_bit
                    npp = npp or check.is_npp
            found = self.facts(cc, prefix + "0" * remaining, gd_mask, npp)
            self.facts_seen[signature] = found
        return found

    def facts(self, cc: int, digits: str, gd_mask: int, npp: bool) -> tuple[int, ...]:
        if npp:
            return (cc, 0, 0, 0, 0, 0, 0, 0, 0, gd_mask)
        try:
            number: PhoneNumber | None = parse_number("+" + digits)
        except InputError:
            number = None
        if number is None:
            return (cc, 1, 0, 0, 0, 0, 0, 0, 0, gd_mask)
        if number.e164 != "+" + digits:  # phonenumbers rewrote the digits: not this leaf's number
            return (cc, 0, 0, 0, 0, 0, 0, 0, 0, gd_mask)
        return (
            cc,
            1,
            1,
            _index(self.regions, number.region),
            KINDS.index(number.kind),
            JURISDICTIONS.index(number.jurisdiction) if number.jurisdiction in JURISDICTIONS else 0,
            _index(self.zone_sets, number.zones),
            ZONE_SOURCES.index(number.zone_source),
            _index(self.subdivisions, number.subdivision or ""),
            gd_mask,
        )


def _longest_key(prefix: str, keys: frozenset[str]) -> str:
    for cut in range(len(prefix), 0, -1):
        if prefix[:cut] in keys:
            return prefix[:cut]
    return ""


def _index(table: dict[Any, int], value: Any) -> int:
    found = table.get(value)
    if found is None:
        found = len(table)
        table[value] = found
    return found


def _metadata(cc: int, region: str) -> Any:
    if region == NON_GEO:
        return PhoneMetadata.metadata_for_nongeo_region(cc, None)
    return PhoneMetadata.metadata_for_region(region, None)


def main_region_key(cc: int) -> str:
    """Key into NumberTables.parsing of the metadata phonenumbers uses for "+cc..." numbers."""
    region = COUNTRY_CODE_TO_REGION_CODE[cc][0]
    return f"{region}/{cc}" if region == NON_GEO else region


def region_parsing() -> dict[str, RegionParsing]:
    out: dict[str, RegionParsing] = {}
    for cc, regions in COUNTRY_CODE_TO_REGION_CODE.items():
        for bit, region in enumerate(regions):
            meta = _metadata(cc, region)
            if meta is None:
                continue
            npp = _national_prefix_program(
                meta.national_prefix_for_parsing, meta.national_prefix_transform_rule
            )
            idd = literal_alternatives(meta.international_prefix) if meta.international_prefix else ()
            lengths = tuple(_LEN_CODES[pnu._test_number_length("5" * n, meta)] for n in range(MAX_DIGITS + 1))
            key = main_region_key(cc) if bit == 0 else region
            out[key] = RegionParsing(region, cc, bit == 0, bit, idd, npp, lengths)
    return out


# A national prefix, then optionally a carrier code and the number, kept by the transform "\\2" (Brazil:
# "0 15 11 91234 5678" dials carrier 15). The result is then always the digits after the carrier code.
_CARRIER_SHAPE = re.compile(
    r"\(\?:(?P<head>[^()]*)\)\(\?:\((?P<carrier>[^()]*)\)\(\\d\{(?P<low>\d+),(?P<high>\d+)\}\)\)\?"
)


def _national_prefix_program(
    pattern: str | None, transform: str | None
) -> tuple[tuple[str, int], ...] | None:
    """The national prefix as literals to strip, each with how many digits must follow it, in the order
    re.match would try them; None when the pattern is not of a shape replayed here."""
    if not pattern:
        return ()
    if not transform:
        found = literal_alternatives(pattern)
        return None if found is None else tuple((p, 0) for p in found)
    shape = _CARRIER_SHAPE.fullmatch(pattern)
    if shape is None or transform != "\\2":
        return None
    heads = literal_alternatives(shape["head"])
    carriers = literal_alternatives(shape["carrier"])
    if heads is None or carriers is None:
        return None
    low = int(shape["low"])
    program: list[tuple[str, int]] = []
    for head in heads:
        program.extend((head + carrier, low) for carrier in carriers)
        program.append((head, 0))
    return tuple(program)


def build_tables(country_codes: Iterable[int] | None = None) -> NumberTables:
    """Build the tables for these country codes (default: all); numbers of others fall back."""
    wanted = list(COUNTRY_CODE_TO_REGION_CODE) if country_codes is None else list(country_codes)
    b = _Builder(wanted)
    roots = np.array([b.root(n) if n > 0 else b.no_cc_leaf() for n in range(MAX_DIGITS + 1)], dtype=np.int32)
    leaves = np.array(b.leaves, dtype=np.int64).reshape(-1, 10)
    return NumberTables(
        children=np.array(b.children, dtype=np.int32),
        roots=roots,
        leaf_cc=leaves[:, 0].astype(np.uint16),
        leaf_known=leaves[:, 2].astype(bool) | (leaves[:, 1] == 1),
        leaf_valid=leaves[:, 2].astype(bool),
        leaf_region=leaves[:, 3].astype(np.uint16),
        leaf_kind=leaves[:, 4].astype(np.uint8),
        leaf_jurisdiction=leaves[:, 5].astype(np.uint8),
        leaf_zone_set=leaves[:, 6].astype(np.uint16),
        leaf_zone_source=leaves[:, 7].astype(np.uint8),
        leaf_subdivision=leaves[:, 8].astype(np.uint16),
        leaf_gd=leaves[:, 9].astype(np.uint32),
        regions=tuple(b.regions),
        zone_sets=tuple(b.zone_sets),
        subdivisions=tuple(b.subdivisions),
        parsing=region_parsing(),
        fingerprint=fingerprint() + ("" if country_codes is None else "-partial"),
    )


def _encode_meta(t: NumberTables) -> str:
    import json

    return json.dumps(
        {
            "regions": t.regions,
            "zone_sets": t.zone_sets,
            "subdivisions": t.subdivisions,
            "parsing": {k: [getattr(v, f) for f in v.__slots__] for k, v in t.parsing.items()},
            "fingerprint": t.fingerprint,
        }
    )


def _decode_meta(text: str) -> dict[str, Any]:
    import json

    raw = json.loads(text)

    return {
        "regions": tuple(raw["regions"]),
        "zone_sets": tuple(tuple(z) for z in raw["zone_sets"]),
        "subdivisions": tuple(raw["subdivisions"]),
        "parsing": {k: _region_parsing(v) for k, v in raw["parsing"].items()},
        "fingerprint": raw["fingerprint"],
    }


def _region_parsing(fields: list[Any]) -> RegionParsing:
    region, cc, main, gd_bit, idd, npp, lengths = fields
    return RegionParsing(
        region=region,
        country_code=cc,
        main=main,
        gd_bit=gd_bit,
        idd=None if idd is None else tuple(idd),
        national_prefixes=None if npp is None else tuple((p, n) for p, n in npp),
        length_class=tuple(lengths),
    )
