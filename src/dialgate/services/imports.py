"""Shared shapes for bulk imports: rows in, a report out. A bad row is reported and kept, never lost."""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice

from dialgate.domain.bulk_numbers import parse_bulk
from dialgate.errors import InputError
from dialgate.services.runtime import Runtime

BULK_PARSING_FROM = 32  # below this, phonenumbers per number (cached) costs less than preparing columns


@dataclass(frozen=True)
class InputRow:
    line: int
    fields: Mapping[str, str | None]
    problem: str | None = None  # set by the reader when the row could not be read at all


@dataclass
class RowError:
    line: int
    message: str
    fields: Mapping[str, str | None] = field(default_factory=dict)


@dataclass
class ImportReport:
    accepted: int = 0
    rejected: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected


def chunks(rows: Iterable[InputRow], size: int) -> Iterator[list[InputRow]]:
    """Rows in lists of `size`, read lazily: an import of any length holds one chunk at a time."""
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """For a bulk import's duration. Its rows, drafts and statement parameters are tens of thousands of
    short-lived objects without cycles per chunk, yet enough of them to make the cyclic collector rescan
    the whole heap several times per import: a fifth of the import's time, to find nothing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def bulk_e164(rt: Runtime, rows: Sequence[InputRow], *, field: str = "number") -> list[str | None]:
    """Each row's number (in `field`) in E.164, parsed in bulk with the prefix tables (about 100 times
    cheaper than phonenumbers for a number not seen before). None where the row must go to
    `parse_number` itself: an invalid number (which then reports its exact problem), an unknown region,
    a short chunk."""
    out: list[str | None] = [None] * len(rows)
    if rt.number_tables is None or len(rows) < BULK_PARSING_FROM:
        return out
    by_region: dict[str | None, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        if row.problem is None:
            by_region[(row.fields.get("region") or "").strip() or None].append(i)
    tables = rt.number_tables.load()
    for region, where in by_region.items():
        try:
            digits = rt.digits([rows[i].fields.get(field) or "" for i in where])
            bulk = parse_bulk(digits, region, tables, rt.parse_steps)
        except InputError:
            continue  # an unknown region: every row of it says so on its own
        for i, key, valid in zip(where, bulk.key.tolist(), bulk.valid.tolist(), strict=True):
            if valid:
                out[i] = f"+{key}"
    return out
