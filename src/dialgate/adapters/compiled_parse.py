"""bulk_numbers' parse steps as one compiled pass over the rows (bulk_numbers.ParseSteps).

numpy_steps replays phonenumbers' parsing over row vectors: some fifty array operations, most of them
gathers through index arrays, each holding the GIL. Here every row takes its own path through the same
steps, once, without the GIL, so a scrub parses one chunk while the main thread decides another.
The steps are bulk_numbers._Parse's, statement for statement; tests hold the two to the same answers.

The kernel itself is parse_kernel.parse_rows (numba, loaded on first use); this module turns the
tables into the flat arrays it reads.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np
import numpy.typing as npt

from dialgate.domain.bulk_numbers import NumberDigits, ParsedColumns
from dialgate.domain.number_tables import MAX_DIGITS, NumberTables, main_region_key

# How national inputs (no '+') are taken: the default region's steps, invalid (no region), or all
# left to parse_number (a region whose prefixes are not literals).
NATIONAL_STEPS, NATIONAL_INVALID, NATIONAL_FALLBACK = range(3)
CODES = 1000  # country codes have at most three digits

# The tables as flat arrays. Regions are numbered in NumberTables.parsing's order; a region's literals
# (international prefixes, national prefixes) are the slice [first[r], first[r + 1]) of their arrays.
Kernel = namedtuple(
    "Kernel",
    "children roots starts leaf_cc leaf_known leaf_gd main_of code_len "
    "r_cc r_main r_gd r_npp length_class idd_first idd_value idd_len npp_first npp_value npp_len npp_need "
    "leaf_valid leaf_region leaf_jurisdiction leaf_kind leaf_zone_set leaf_zone_source leaf_subdivision leaf_place",
)


class CompiledSteps:
    """bulk_numbers.ParseSteps in one compiled pass; the tables' flat form is kept per tables object."""

    def __init__(self) -> None:
        self._kernels: dict[int, tuple[NumberTables, Any, dict[str, int]]] = {}

    def __call__(
        self, numbers: NumberDigits, region: str | None, tables: NumberTables, out: ParsedColumns
    ) -> npt.NDArray[np.bool_]:
        from dialgate.adapters.parse_kernel import parse_rows  # numba: loaded when numbers are parsed

        kernel, index = self._kernel(tables)
        mode, r = NATIONAL_INVALID, -1
        if region is not None:
            rp = tables.parsing.get(region)
            if rp is None or rp.idd is None or rp.national_prefixes is None:
                mode = NATIONAL_FALLBACK
            else:
                mode, r = NATIONAL_STEPS, index[region]
        rows = len(numbers)
        unreadable = np.zeros(rows, dtype=np.bool_) if numbers.unreadable is None else numbers.unreadable
        fallback = np.zeros(rows, dtype=np.bool_)
        parse_rows(
            numbers.shape, numbers.value, numbers.count, unreadable, mode, r, region is not None, kernel,
            out.valid, out.key, out.country_code, out.region, out.jurisdiction, out.kind, out.zone_set,
            out.zone_source, out.subdivision, out.place, fallback,
        )  # fmt: skip
        return fallback

    def _kernel(self, tables: NumberTables) -> tuple[Any, dict[str, int]]:
        held = self._kernels.get(id(tables))
        if held is None or held[0] is not tables:
            if len(self._kernels) >= 4:
                self._kernels.clear()
            held = (tables, *flatten(tables))
            self._kernels[id(tables)] = held
        return held[1], held[2]


def flatten(t: NumberTables) -> tuple[Any, dict[str, int]]:
    """The Kernel of these tables, and each parsing key's region number."""
    keys = list(t.parsing)
    index = {key: r for r, key in enumerate(keys)}
    regions = [t.parsing[key] for key in keys]
    main_of = np.full(CODES, -1, dtype=np.int64)
    code_len = np.zeros(CODES, dtype=np.int64)
    starts = np.full((CODES, MAX_DIGITS + 1), -1, dtype=np.int64)  # ~0: leaf 0, as _Parse._start_nodes
    for cc in {rp.country_code for rp in regions}:
        main_of[cc] = index.get(main_region_key(cc), -1)
        code = str(cc)
        code_len[cc] = len(code)
        for total in range(len(code), MAX_DIGITS + 1):
            starts[cc, total] = t.start_node(code, total)

    def literals(lists: list[tuple[tuple[str, int], ...]]) -> tuple[Any, ...]:
        first = np.cumsum([0] + [len(x) for x in lists]).astype(np.int64)
        flat = [item for x in lists for item in x]
        assert all(s.isdigit() or not s for s, _ in flat), flat  # literals of digits, as _Parse reads them
        value = np.array([int(s) if s else 0 for s, _ in flat], dtype=np.int64)
        size = np.array([len(s) for s, _ in flat], dtype=np.int64)
        need = np.array([n for _, n in flat], dtype=np.int64)
        return first, value, size, need

    idd_first, idd_value, idd_len, _ = literals([tuple((s, 0) for s in rp.idd or ()) for rp in regions])
    npp_first, npp_value, npp_len, npp_need = literals([rp.national_prefixes or () for rp in regions])
    kernel = Kernel(
        children=t.children,
        roots=t.roots.astype(np.int64),
        starts=starts,
        leaf_cc=t.leaf_cc.astype(np.int64),
        leaf_known=t.leaf_known,
        leaf_gd=t.leaf_gd.astype(np.int64),
        main_of=main_of,
        code_len=code_len,
        r_cc=np.array([rp.country_code for rp in regions], dtype=np.int64),
        r_main=np.array([rp.main for rp in regions], dtype=np.bool_),
        r_gd=np.array([rp.gd_bit for rp in regions], dtype=np.int64),
        r_npp=np.array([rp.national_prefixes is not None for rp in regions], dtype=np.bool_),
        length_class=np.array([rp.length_class for rp in regions], dtype=np.int64).reshape(len(regions), -1),
        idd_first=idd_first,
        idd_value=idd_value,
        idd_len=idd_len,
        npp_first=npp_first,
        npp_value=npp_value,
        npp_len=npp_len,
        npp_need=npp_need,
        leaf_valid=t.leaf_valid,
        leaf_region=t.leaf_region,
        leaf_jurisdiction=t.leaf_jurisdiction,
        leaf_kind=t.leaf_kind,
        leaf_zone_set=t.leaf_zone_set,
        leaf_zone_source=t.leaf_zone_source,
        leaf_subdivision=t.leaf_subdivision,
        leaf_place=t.leaf_places[0],
    )
    return kernel, index
