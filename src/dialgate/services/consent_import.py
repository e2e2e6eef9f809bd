"""Bulk consent imports: rows validated a chunk at a time, each chunk sealed and written in one transaction.

A chunk is checked column by column with the parsers `draft_from_fields` uses, each applied once per
distinct value rather than once per row. A row this fast path cannot vouch for (a value a parser refuses,
an evidence file or hash, a number bulk parsing left to phonenumbers) goes through `draft_from_fields`
itself, so every row is accepted or refused exactly as a single append would, with the same message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from dialgate.domain.consent import DraftRow, draft_row
from dialgate.domain.timeutil import format_instant
from dialgate.domain.vocabulary import Source
from dialgate.errors import InputError
from dialgate.services.consent import (
    append_rows,
    choice_parsers,
    draft_from_fields,
    parse_captured_at,
    parse_expires_at,
)
from dialgate.services.imports import (
    ImportReport,
    InputRow,
    RowError,
    bulk_e164,
    chunks,
    cycle_collection_paused,
)
from dialgate.services.runtime import Runtime

T = TypeVar("T")


def import_consents(
    rt: Runtime,
    rows: Iterable[InputRow],
    *,
    file: str,
    base_dir: Path | None = None,
    default_brand: str | None = None,
) -> ImportReport:
    """Append every valid row; report each invalid one with its line. Good rows never wait on bad ones,
    and a chunk that cannot be written writes nothing."""
    report = ImportReport()
    brands = _KnownBrands(rt)
    with cycle_collection_paused():
        for chunk in chunks(rows, rt.import_batch_size):
            good: dict[str, list[DraftRow]] = defaultdict(list)
            for row, draft in _validate(rt, chunk, rt.clock.now(), base_dir, default_brand, brands):
                if isinstance(draft, InputError):
                    draft.at(file=file, line=row.line)
                    report.rejected.append(RowError(row.line, str(draft), row.fields))
                else:
                    good[draft[0]].append(draft)
            if good:
                _append(rt, good)
                report.accepted += sum(len(brand_rows) for brand_rows in good.values())
    return report


def _append(rt: Runtime, by_brand: dict[str, list[DraftRow]]) -> None:
    """One chunk's good rows, in one transaction."""
    with rt.uow(write=True) as uow:
        recorded_at = rt.clock.now()
        for brand in sorted(by_brand):  # a fixed lock order: two importers never deadlock on heads
            append_rows(uow, brand, by_brand[brand], recorded_at)
        uow.commit()


class _KnownBrands:
    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        self._known: dict[str, bool] = {}

    def check(self, brand: str) -> InputError | None:
        if brand not in self._known:
            with self._rt.uow() as uow:
                self._known[brand] = uow.brands.get(brand) is not None
        if self._known[brand]:
            return None
        error = InputError(f"unknown brand '{brand}'")
        error.at(field="brand")
        return error


def _validate(
    rt: Runtime,
    chunk: Sequence[InputRow],
    now: datetime,
    base_dir: Path | None,
    default_brand: str | None,
    brands: _KnownBrands,
) -> Iterable[tuple[InputRow, DraftRow | InputError]]:
    """Each row of the chunk with its draft row, or with the error that refuses it; in order."""
    slow: set[int] = set()  # the rows left to draft_from_fields
    e164s = bulk_e164(rt, chunk)
    texts = _Texts(chunk)
    default = default_brand.strip() or None if default_brand else None  # as draft_from_fields strips it
    brand = [text or default for text in texts["brand"]]
    choices = [
        _parsed(texts[name], _as_text(parse), slow) for name, parse in choice_parsers(Source.IMPORT).items()
    ]
    captured = _parsed(
        texts["captured_at"], lambda t: format_instant(parse_captured_at(t, now, rt.clock_skew)), slow
    )
    expires = _parsed(texts["expires_at"], _expires, slow)
    evidence = [a or b for a, b in zip(texts["evidence"], texts["evidence_sha256"], strict=True)]
    slow.update(
        i
        for i, (n, b, e) in enumerate(zip(e164s, brand, evidence, strict=True))
        if n is None or b is None or e
    )
    if any(expires):  # canonical instants are fixed-width UTC text: they compare as the instants do
        slow.update(i for i, (c, e) in enumerate(zip(captured, expires, strict=True)) if e and c and e <= c)
    no_evidence_hash = [None] * len(chunk)  # rows with one take the slow path
    # each row's DraftRow if it takes the fast path: the fields in DraftRow's order
    fast_drafts = zip(
        brand,
        e164s,
        *choices,
        captured,
        expires,
        texts["actor_agent"],
        texts["actor_vendor"],
        no_evidence_hash,
        texts["evidence_uri"],
        texts["notice_version"],
        texts["note"],
        strict=True,
    )
    draft: DraftRow
    for i, (row, draft) in enumerate(zip(chunk, fast_drafts, strict=True)):
        if row.problem is not None:
            yield row, InputError(row.problem)
            continue
        if i in slow:
            try:
                draft = _one_by_one(rt, row, e164s[i], now, base_dir, default_brand)
            except InputError as exc:
                yield row, exc
                continue
        unknown = brands.check(draft[0])
        yield row, unknown if unknown is not None else draft


def _one_by_one(
    rt: Runtime,
    row: InputRow,
    e164: str | None,
    now: datetime,
    base_dir: Path | None,
    default_brand: str | None,
) -> DraftRow:
    """The row as draft_from_fields makes it (or refuses it), as a single append would."""
    fields = dict(row.fields)
    if default_brand and not (fields.get("brand") or "").strip():
        fields["brand"] = default_brand
    draft = draft_from_fields(rt, fields, base_dir=base_dir, default_source=Source.IMPORT, now=now, e164=e164)
    return draft_row(draft)


class _Texts:
    """The chunk's columns as draft_from_fields reads its fields: stripped, blank as None."""

    def __init__(self, chunk: Sequence[InputRow]) -> None:
        self._chunk = chunk
        self._names = set().union(*(row.fields for row in chunk))  # most files have a few of the columns

    def __getitem__(self, name: str) -> list[str | None]:
        if name not in self._names:
            return [None] * len(self._chunk)
        return [(v.strip() or None) if (v := row.fields.get(name)) else None for row in self._chunk]


def _parsed(texts: Sequence[str | None], parse: Callable[[str | None], T], slow: set[int]) -> list[T | None]:
    """parse applied once per distinct text; the rows whose text it refuses are added to `slow`."""
    memo: dict[str | None, T | None] = {}
    refused = set()
    for text in set(texts):
        try:
            memo[text] = parse(text)
        except InputError:
            memo[text] = None
            refused.add(text)
    if refused:
        slow.update(i for i, text in enumerate(texts) if text in refused)
    return [memo[text] for text in texts]


def _as_text(parse: Callable[[str | None], str]) -> Callable[[str | None], str]:
    """A choice parser giving its value as draft_row keeps it: the text, not the StrEnum member."""
    return lambda text: str(parse(text))


def _expires(text: str | None) -> str | None:
    expires_at = parse_expires_at(text)
    return None if expires_at is None else format_instant(expires_at)
