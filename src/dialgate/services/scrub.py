"""Scrub a campaign list: read a chunk, parse its numbers in bulk, decide, write; until the file ends.

Memory stays constant in the size of the file (one chunk at a time). The output becomes visible only
when complete: a failed or interrupted run leaves any previous output as it was.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dialgate.domain.batch import (
    NO_TIME,
    ROW_OK,
    ROW_PROBLEMS,
    BatchContext,
    BatchVerdicts,
    ScrubColumns,
)
from dialgate.domain.bulk_numbers import SHAPE_NATIONAL, BulkNumbers, ParseSteps, parse_bulk
from dialgate.domain.calendar import within_calendars
from dialgate.domain.decision import ReasonCode
from dialgate.domain.distinct import distinct_masks
from dialgate.domain.number_tables import NumberTables, build_tables
from dialgate.domain.numbers import clean_region
from dialgate.domain.reasons import REASON_CODES, bit, joined
from dialgate.domain.registry import SnapshotInfo
from dialgate.domain.timeutil import parse_instant, zone_info
from dialgate.errors import InputError, NotFoundError
from dialgate.read_ahead import ReadAhead
from dialgate.services.batch import EngineDecider
from dialgate.services.campaigns import get_campaign
from dialgate.services.ports import BatchDecider, ScrubChunk, ScrubFiles
from dialgate.services.runtime import Runtime

_INVALID = np.uint64(bit(ReasonCode.INVALID_NUMBER))
PARSE_AHEAD = 2


@dataclass(frozen=True, slots=True)
class ScrubRequest:
    source: Path
    target: Path
    campaign: str
    column: str | None = None
    region: str | None = None
    at: str | None = None  # ISO 8601 instant; default: now
    caller_id: str | None = None  # default: the campaign's
    encoding: str | None = None
    delimiter: str | None = None
    brand: str | None = None  # when set (API keys), the campaign must belong to this brand


@dataclass(frozen=True, slots=True)
class ScrubProgress:
    bytes_done: int
    bytes_total: int
    rows: int
    report: ScrubReport  # the counts so far (read it during the callback; it keeps changing)


LINES_SHOWN = 5  # of each problem, the lines of its first rows, for the reader to look at


@dataclass
class ScrubReport:
    source: str
    target: str
    campaign: str
    number_column: str = ""
    rows: int = 0
    allowed: int = 0
    blocked: int = 0
    reasons: Counter[str] = field(default_factory=Counter)  # reason code -> rows carrying it
    unreadable: Counter[str] = field(default_factory=Counter)  # problem -> rows
    unreadable_lines: dict[str, list[int]] = field(default_factory=dict)  # problem -> its first rows' lines
    national_without_region: int = 0  # invalid rows that look like national numbers: --region helps
    parsed_singly: int = 0
    snapshots: list[SnapshotInfo] = field(default_factory=list)
    at: str = ""
    seconds: float = 0.0

    def counts(self) -> dict[str, Any]:
        """The counts alone (what a job reports while it runs)."""
        return {
            "rows": self.rows,
            "allowed": self.allowed,
            "blocked": self.blocked,
            "reasons": {code: self.reasons[code] for code in REASON_CODES if self.reasons[code]},
            "unreadable": dict(self.unreadable),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "campaign": self.campaign,
            "number_column": self.number_column,
            "rows": self.rows,
            "allowed": self.allowed,
            "blocked": self.blocked,
            "reasons": {code: self.reasons[code] for code in REASON_CODES if self.reasons[code]},
            "unreadable": dict(self.unreadable),
            "national_without_region": self.national_without_region,
            "snapshots": [
                {"name": s.name, "snapshot_id": s.snapshot_id, "as_of": s.as_of.isoformat()}
                for s in self.snapshots
            ],
            "at": self.at,
            "seconds": round(self.seconds, 3),
        }


Progress = Callable[[ScrubProgress], None]


def scrub_file(rt: Runtime, request: ScrubRequest, *, progress: Progress | None = None) -> ScrubReport:
    """Scrub request.source into request.target; the summary says what was found."""
    started = time.perf_counter()
    campaign = get_campaign(rt, request.campaign)
    if request.brand is not None and campaign.brand != request.brand:
        raise NotFoundError(f"unknown campaign '{request.campaign}'").at(field="campaign")
    context = BatchContext(
        campaign=campaign,
        at=within_calendars(parse_instant(request.at)) if request.at else rt.clock.now(),
        caller_id=campaign.caller_id if request.caller_id is None else request.caller_id.strip(),
    )
    decider: BatchDecider = rt.batch_decider or EngineDecider(rt)
    report = run_scrub(
        _files(rt),
        lambda: load_tables(rt),
        decider,
        context,
        request,
        progress=progress,
        steps=rt.parse_steps,
    )
    report.seconds = time.perf_counter() - started
    return report


def run_scrub(
    files: ScrubFiles,
    tables: Callable[[], NumberTables],
    decider: BatchDecider,
    context: BatchContext,
    request: ScrubRequest,
    *,
    progress: Progress | None = None,
    ahead: int = PARSE_AHEAD,
    steps: ParseSteps | None = None,
) -> ScrubReport:
    """The scrub itself, given its collaborators: read a chunk, parse, decide, write, until the end.
    `ahead`: chunks parsed ahead in a background thread; 0 parses in the caller's thread. `steps`:
    bulk parsing's engine (default numpy's)."""
    started = time.perf_counter()
    region = clean_region(request.region)
    target = _check_paths(request.source, request.target)
    report = ScrubReport(
        str(request.source), str(request.target), context.campaign.id, at=context.at.isoformat()
    )
    with files.open_source(
        request.source, column=request.column, encoding=request.encoding, delimiter=request.delimiter
    ) as source:
        report.number_column = source.number_column
        prefix_tables = tables()
        parsed = (
            (chunk, parse_bulk(chunk.numbers, region, prefix_tables, steps)) for chunk in source.chunks()
        )
        # From here reading and parsing run ahead on the other core: while the decider loads its
        # snapshots and facts, then while each chunk is decided and written.
        chunks = ReadAhead(parsed, ahead, name="scrub-parse") if ahead > 0 else parsed
        try:
            run = decider.start(context)
            report.snapshots = list(run.snapshots)
            with files.open_sink(target, source) as sink:
                for chunk, numbers in chunks:
                    verdicts = _guard(run.decide(numbers), numbers)
                    columns = scrub_columns(numbers, verdicts)
                    sink.write(chunk, columns)
                    _count(report, chunk, numbers, columns, region)
                    if progress is not None:
                        progress(ScrubProgress(source.bytes_read, source.bytes_total, report.rows, report))
                sink.commit()
        finally:
            if isinstance(chunks, ReadAhead):
                chunks.close()
    report.seconds = time.perf_counter() - started
    return report


def _files(rt: Runtime) -> ScrubFiles:
    if rt.scrub_files is None:
        raise RuntimeError("no ScrubFiles adapter is wired into the runtime")
    return rt.scrub_files


def _check_paths(source: Path, target: Path) -> Path:
    """The file to write: `target`, or the file a symbolic link there points to (the link stays, as a
    shell's redirection leaves it). Anything but a regular file is refused: the list is written beside
    it and renamed over it, which would replace a device such as /dev/null rather than write to it."""
    if not target.parent.is_dir():
        raise InputError(f"the output directory '{target.parent}' does not exist").at(field="output")
    if target.is_dir():
        raise InputError(f"the output '{target}' is a directory").at(field="output")
    if target.is_symlink():
        target = target.resolve()
        if not target.parent.is_dir():
            raise InputError(f"the output's link leads to '{target}', in no directory").at(field="output")
    if target.exists() and not target.is_file():
        raise InputError(
            f"the output '{target}' is not a regular file: the list is written whole to a file, then "
            "renamed into place"
        ).at(field="output")
    if target.exists() and source.exists() and target.resolve() == source.resolve():
        raise InputError("the output would overwrite the input; write it to another file").at(field="output")
    return target


def _guard(verdicts: BatchVerdicts, numbers: BulkNumbers) -> BatchVerdicts:
    """Whatever the decider says, a number that cannot be parsed is blocked as INVALID_NUMBER."""
    if len(verdicts) != len(numbers):
        raise RuntimeError(f"the decider answered {len(verdicts)} rows for {len(numbers)}")
    invalid = ~numbers.valid
    if invalid.any() and not (verdicts.reasons[invalid] & _INVALID).all():
        reasons = verdicts.reasons.copy()
        reasons[invalid] |= _INVALID
        return BatchVerdicts(verdicts.blocked | invalid, reasons, verdicts.next_allowed_at)
    return verdicts


def scrub_columns(numbers: BulkNumbers, verdicts: BatchVerdicts) -> ScrubColumns:
    """The appended columns as codes into small tables: each distinct reason set and instant is
    formatted once per chunk (found among the decider's distinct entries when it shared them)."""
    shared = verdicts.distinct
    if shared is None:
        masks, reason_codes = distinct_masks(verdicts.reasons)
        next_codes, next_texts = _next_allowed(numbers.zone_set, numbers.zone_sets, verdicts.next_allowed_at)
    else:  # rows with one entry share where they ring, so its first row's zones are theirs
        masks, entry_codes = distinct_masks(shared.entries.reasons)
        reason_codes = entry_codes[shared.rows]
        zones = numbers.zone_set[shared.first]
        entry_next, next_texts = _next_allowed(zones, numbers.zone_sets, shared.entries.next_allowed_at)
        next_codes = entry_next[shared.rows]
    return ScrubColumns(
        valid=numbers.valid,
        key=numbers.key,
        blocked=verdicts.blocked,
        reasons=reason_codes.astype(np.uint32).ravel(),
        reason_masks=masks,
        reason_texts=tuple(joined(int(m)) for m in masks),
        next_allowed=next_codes,
        next_texts=next_texts,
    )


def _next_allowed(
    zone_set: npt.NDArray[np.integer], zone_sets: Sequence[tuple[str, ...]], when: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.uint32], tuple[str, ...]]:
    codes = np.zeros(len(when), dtype=np.uint32)
    rows = np.flatnonzero(when != NO_TIME)
    if not rows.size:
        return codes, ("",)
    combined = when[rows] * 65536 + zone_set[rows].astype(np.int64)
    distinct, inverse = np.unique(combined, return_inverse=True)
    texts = [""] + [format_local(int(c) // 65536, zone_sets[int(c) % 65536]) for c in distinct.tolist()]
    codes[rows] = inverse.astype(np.uint32).ravel() + 1
    return codes, tuple(texts)


def format_local(epoch: int, zones: tuple[str, ...]) -> str:
    """An instant in the callee's local offset (their first zone): 2026-11-23T14:00:00+01:00."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.astimezone(zone_info(zones[0]) if zones else UTC).isoformat(timespec="seconds")


def _count(
    report: ScrubReport, chunk: ScrubChunk, numbers: BulkNumbers, columns: ScrubColumns, region: str | None
) -> None:
    rows = len(numbers)
    blocked = int(np.count_nonzero(columns.blocked))
    report.rows += rows
    report.blocked += blocked
    report.allowed += rows - blocked
    report.parsed_singly += numbers.parsed_singly
    counts = np.bincount(columns.reasons, minlength=len(columns.reason_masks))
    for mask, count in zip(columns.reason_masks.tolist(), counts.tolist(), strict=True):
        for i, code in enumerate(REASON_CODES):
            if mask >> i & 1:
                report.reasons[code] += count
    for problem, count in enumerate(np.bincount(chunk.unreadable).tolist()):
        if problem != ROW_OK and count:
            report.unreadable[ROW_PROBLEMS[problem]] += count
            lines = report.unreadable_lines.setdefault(ROW_PROBLEMS[problem], [])
            if len(lines) < LINES_SHOWN:
                lines.extend(
                    chunk.lines_of(np.flatnonzero(chunk.unreadable == problem)[: LINES_SHOWN - len(lines)])
                )
    if region is None:
        national = (chunk.numbers.shape == SHAPE_NATIONAL) & ~numbers.valid
        report.national_without_region += int(np.count_nonzero(national))


def load_tables(rt: Runtime) -> NumberTables:
    return rt.number_tables.load() if rt.number_tables is not None else build_tables()
