"""The check use case: gather the facts for one number or many, evaluate, keep the decision.

The single check, the batch API and the dashboard's "try a number" all end in engine.evaluate().
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property, lru_cache

import numpy as np
import numpy.typing as npt

from dialgate.domain.bulk_numbers import parse_bulk, parse_one
from dialgate.domain.calendar import NO_TIME, within_calendars
from dialgate.domain.campaign import WITHHELD, Campaign
from dialgate.domain.decision import Decision
from dialgate.domain.numbers import PhoneNumber, clean_region, parse_number
from dialgate.domain.registry import NO_DATE
from dialgate.domain.roaming import RoamingState
from dialgate.domain.rules.engine import Evaluation, evaluate, registers_in_force, snapshot_ids
from dialgate.domain.rules.frame import (
    ONE_FALSE,
    ONE_TRUE,
    PARTY_CODES,
    CallerFacts,
    Frame,
    RegisterColumns,
    VendorFacts,
    shared,
)
from dialgate.domain.rules.inputs import (
    BrandFacts,
    NumberColumns,
    attempt_columns,
    consent_columns,
    number_columns,
    number_columns_from_bulk,
)
from dialgate.domain.rules.packs import PACKS
from dialgate.domain.timeutil import format_instant, parse_instant
from dialgate.domain.vocabulary import Channel
from dialgate.errors import InputError, NotFoundError
from dialgate.services.imports import BULK_PARSING_FROM
from dialgate.services.ports import RegisterSnapshot
from dialgate.services.runtime import Runtime

MAX_BATCH = 10_000
ROW_SUFFIX = [f"-{i:05d}" for i in range(MAX_BATCH)]  # a batch row's check id: batch id + suffix
_ROAMING_CODE = {
    RoamingState.NOT_NEEDED: 0, RoamingState.HOME: 1, RoamingState.IN_EEA: 2,
    RoamingState.OUTSIDE_EEA: 3, RoamingState.UNKNOWN: 4,
}  # fmt: skip
_CALLER_TEXT = re.compile(r"^\+[\d\s().-]{4,24}$")
_NO_LISTING_DATE = shared(np.full(1, NO_DATE, np.int32))


@dataclass  # not frozen: see domain/rules/frame.py's docstring
class CheckRequest:
    campaign: str
    numbers: Sequence[str]
    caller_id: str | None = None  # None: the campaign's caller ID
    vendor: str | None = None
    at: str | datetime | None = None  # None: now
    region: str | None = None
    via: str = "api"


def _instant(rt: Runtime, at: str | datetime | None) -> datetime:
    if at is None:
        return rt.clock.now()
    return within_calendars(parse_instant(at, "at") if isinstance(at, str) else at)


@lru_cache(maxsize=4096)
def caller_facts(raw: str) -> CallerFacts:
    """What the rules read about a caller ID (cached: a campaign dials from a few)."""
    text = raw.strip()
    if text.lower() in WITHHELD:
        return CallerFacts(raw=text, withheld=True, number=None)
    if not _CALLER_TEXT.match(text):
        raise InputError(
            f"'{raw}' is not a caller ID: write it in international form (+<country code><number>), "
            'or "anonymous" for a withheld one'
        ).at(field="caller_id")
    try:
        return CallerFacts(raw=text, withheld=False, number=parse_number(text))
    except InputError:
        return CallerFacts(raw=text, withheld=False, number=None)


def _parse_all(numbers: Sequence[str], region: str | None, rt: Runtime | None = None) -> NumberColumns:
    """Numbers as frame columns: bulk parsing (prefix tables) for batches; for a few, the same tables a
    number at a time when this process has them (serve loads them at start), else phonenumbers."""
    if rt is not None and rt.number_tables is not None and len(numbers) >= BULK_PARSING_FROM:
        bulk = parse_bulk(rt.digits(numbers), region, rt.number_tables.load(), rt.parse_steps)
        cols = number_columns_from_bulk(bulk)
        assert cols.e164 is not None  # built with its texts
        invalid = np.flatnonzero(~cols.valid)
        cols.e164[invalid] = [str(numbers[int(i)]) for i in invalid]  # an invalid number answers as given
        return cols
    tables = rt.number_tables.loaded() if rt is not None and rt.number_tables is not None else None
    parsed: list[PhoneNumber | None] = []
    for raw in numbers:
        number = parse_one(raw, region, tables) if tables is not None else None
        if number is None:
            with suppress(InputError):
                number = parse_number(raw, region)
        parsed.append(number)
    return number_columns(parsed, [str(n) for n in numbers])


def lookback(campaign: Campaign) -> timedelta:
    days = 62  # France's 60 days of silence after a refusal, with a margin for zone offsets
    if campaign.limits.max_attempts is not None:
        days = max(days, campaign.limits.max_attempts.days + 1)
    if campaign.limits.cooling_off_days is not None:
        days = max(days, campaign.limits.cooling_off_days + 2)
    return timedelta(days=days)


def waits_on_lookups(rt: Runtime, campaign_id: str) -> bool:
    """Whether deciding for this campaign may wait on the network (roaming lookups): the API decides such
    requests off its event loop. An unknown campaign waits on nothing (build_frame refuses it)."""
    try:
        campaign, _ = rt.reference.campaign(campaign_id)
    except NotFoundError:
        return False
    return bool(_roaming_countries(campaign))


def build_frame(
    rt: Runtime, req: CheckRequest, *, brand: str | None = None, singles: bool = False
) -> tuple[Frame, int]:
    """Everything the engine needs about these calls, read in bulk. Returns the frame and the campaign version.
    `singles`: the numbers are single checks answered together, each held to a single check's lookup budget."""
    region = clean_region(req.region)
    at = _instant(rt, req.at)
    campaign, version = rt.reference.campaign(req.campaign)
    if brand is not None and campaign.brand != brand:
        raise NotFoundError(f"unknown campaign '{req.campaign}'").at(field="campaign")
    if not req.numbers:
        raise InputError("give at least one number").at(field="numbers")
    if len(req.numbers) > MAX_BATCH:
        raise InputError(f"at most {MAX_BATCH} numbers per batch, got {len(req.numbers)}").at(field="numbers")
    caller = caller_facts(req.caller_id if req.caller_id is not None else campaign.caller_id)
    vendor = VendorFacts(
        req.vendor or None, rt.reference.vendor(campaign.brand, req.vendor) if req.vendor else None
    )
    cols = _parse_all(req.numbers, region, rt)
    budget = rt.roaming.policy.check_budget if singles else None
    return frame_for(rt, campaign, at, caller, vendor, cols, roaming_budget=budget), version


def frame_for(
    rt: Runtime,
    campaign: Campaign,
    at: datetime,
    caller: CallerFacts,
    vendor: VendorFacts,
    cols: NumberColumns,
    *,
    snapshots: Mapping[str, RegisterSnapshot | None] | None = None,
    facts: BrandFacts | None = None,
    roaming_budget: float | None = None,
) -> Frame:
    """Everything the engine needs about these calls. A batch run passes the snapshots it took once,
    and the brand's facts when it read them whole (scrub); otherwise they are read here. Roaming lookups
    of several numbers wait `roaming_budget` seconds at most (None: for all of them)."""
    n = cols.valid.size
    store = rt.decisions
    since = at - lookback(campaign)
    if n == 1 and facts is None and cols.valid[0]:  # the single check: one round trip
        consent, listed, attempts = store.one(campaign, Channel.CALL, f"+{int(cols.key[0])}", since, at)
        dnc = ONE_TRUE if listed else ONE_FALSE
    else:
        if facts is None:  # a batch
            found, dnc, recent, last_uses = store.facts_for(
                campaign, Channel.CALL, cols.key, cols.valid, since, at
            )
        else:
            found, dnc, recent, last_uses = facts.for_rows(cols.key, cols.valid)
        consent = consent_columns(n, found, PARTY_CODES[campaign.party])
        attempts = attempt_columns(n, recent, last_uses)
    return Frame(
        at=at,
        at_s=int(at.timestamp()),
        today=at.astimezone(UTC).date(),
        campaign=campaign,
        caller=caller,
        vendor=vendor,
        key=cols.key,
        texts=cols.e164,
        valid=cols.valid,
        mobile=cols.mobile,
        group=cols.group,
        groups=cols.groups,
        consent=consent,
        dnc=dnc,
        registers=_registers(rt, campaign, at, cols, snapshots),
        attempts=attempts,
        roaming=_roaming(rt, campaign, cols, roaming_budget),
        roaming_fail_open=rt.roaming.policy.fail_open,
    )


def registers_for(campaign: Campaign, at: datetime, jurisdictions: Iterable[str]) -> list[str]:
    """The registers the rules in force will read for these destinations, and the campaign's own."""
    countries = sorted(c for c in set(jurisdictions) if c in PACKS)
    if len(countries) == 1 and not campaign.registries:  # the single check's case
        return list(registers_in_force(campaign, PACKS[countries[0]], at))
    names: list[str] = []
    for country in countries:
        names.extend(registers_in_force(campaign, PACKS[country], at))
    names.extend(campaign.registries)
    return list(dict.fromkeys(names))


def _registers(
    rt: Runtime,
    campaign: Campaign,
    at: datetime,
    cols: NumberColumns,
    snapshots: Mapping[str, RegisterSnapshot | None] | None,
) -> dict[str, RegisterColumns]:
    """Each register the rules will read, looked up once for every row."""
    n = cols.valid.size
    out: dict[str, RegisterColumns] = {}
    for name in registers_for(campaign, at, (g.jurisdiction for g in cols.groups)):
        snapshot = (
            snapshots[name] if snapshots is not None and name in snapshots else rt.registers.current(name)
        )
        if snapshot is None:
            if n == 1:  # a single check: the shared, read-only columns of "not listed"
                out[name] = RegisterColumns(name, None, ONE_FALSE, _NO_LISTING_DATE)
            else:
                out[name] = RegisterColumns(name, None, np.zeros(n, bool), np.full(n, NO_DATE, np.int32))
            continue
        if n == 1:  # a single check: no arrays to build for one key
            listed, day = snapshot.lookup_one(int(cols.key[0])) if cols.valid[0] else (False, NO_DATE)
            on = _NO_LISTING_DATE if day == NO_DATE else np.array([day], np.int32)
            out[name] = RegisterColumns(name, snapshot.info, ONE_TRUE if listed else ONE_FALSE, on)
            continue
        hits = snapshot.lookup(cols.key)
        out[name] = RegisterColumns(name, snapshot.info, hits.member & cols.valid, hits.listed_on)
    return out


# The destinations whose pack asks where a mobile is (Poland's cost rule).
ROAMING_COUNTRIES = frozenset(c for c, p in PACKS.items() if any(r.id == "roaming" for r in p.rules))


def _roaming_countries(campaign: Campaign) -> frozenset[str]:
    """The campaign's countries whose pack asks where a mobile is (elsewhere the call is refused anyway)."""
    return ROAMING_COUNTRIES.intersection(campaign.countries)


def _roaming(
    rt: Runtime, campaign: Campaign, cols: NumberColumns, budget: float | None
) -> npt.NDArray[np.int8]:
    """Look up roaming only where a pack asks, for mobiles of the campaign's countries (elsewhere the call
    is refused anyway): one number within the check's budget, many concurrently within `budget` (the
    batch API and scrub wait for all of them, sharing the cache)."""
    n = cols.valid.size
    out = np.zeros(n, dtype=np.int8)
    countries = _roaming_countries(campaign)
    if not any(g.jurisdiction in countries for g in cols.groups):
        return out
    asks = np.array([g.jurisdiction in countries for g in cols.groups], dtype=bool)
    wanted = np.flatnonzero(cols.valid & cols.mobile & asks[cols.group]) if n else np.zeros(0, np.intp)
    if wanted.size == 0:
        return out
    numbers = [f"+{k}" for k in cols.key[wanted].tolist()]
    if len(numbers) == 1:
        statuses = {numbers[0]: rt.roaming.check_sync(numbers[0])}
    else:
        statuses = rt.roaming.resolve_sync(numbers, budget=budget)
    for i, number in zip(wanted, numbers, strict=True):
        status = statuses.get(number)
        out[i] = _ROAMING_CODE[status.state if status else RoamingState.UNKNOWN]
    return out


@dataclass  # not frozen: see domain/rules/frame.py's docstring
class Checked:
    """Decisions of one request: the evaluation, the check id of every row, when it was evaluated."""

    evaluation: Evaluation
    ids: list[str]  # each row's check id; for a batch, the batch's id alone (see check_ids)
    evaluated_at: datetime
    campaign_version: int
    batch: bool = False

    @property
    def check_ids(self) -> list[str]:
        """A batch row's check id is the batch id and the row's suffix (-00000, -00001, ...): made only when
        asked for, the batch answer writes them from their parts. (Not a cached property for single checks:
        its lock on the first read cost them more than the read.)"""
        return self._row_ids if self.batch else self.ids

    @cached_property
    def _row_ids(self) -> list[str]:
        return [self.ids[0] + s for s in ROW_SUFFIX[: self.evaluation.frame.n]]


def evaluate_request(
    rt: Runtime, req: CheckRequest, *, brand: str | None = None, separate: bool = False
) -> Checked:
    """Decide every number of the request and keep every decision.

    Rows of a batch share one audit record; with `separate` (single checks answered together, see
    api/routes_checks.py) each row is its own check with its own id and audit row.
    """
    frame, version = build_frame(rt, req, brand=brand, singles=separate)
    ev = evaluate(frame, PACKS)
    now = rt.clock.now()
    if frame.n == 1 or separate:
        ids = [rt.ids.new_id()] if frame.n == 1 else rt.ids.new_ids(frame.n)  # a fifth of the cost each
        checked = Checked(ev, ids, now, version)
        _log_rows(rt, checked, req.via)
    else:
        batch = rt.ids.new_id()
        checked = Checked(ev, [batch], now, version, batch=True)
        _log_batch(rt, checked, batch, req.via)
    return checked


def check_call(rt: Runtime, req: CheckRequest, *, brand: str | None = None) -> Decision:
    if len(req.numbers) != 1:
        raise InputError("a single check takes exactly one number").at(field="number")
    checked = evaluate_request(rt, req, brand=brand)
    return checked.evaluation.decision(0, checked.check_ids[0], checked.evaluated_at)


def _snapshots(ids: Sequence[str]) -> str | None:
    """The audit record's form of the snapshot ids read (engine.snapshot_ids)."""
    return ",".join(ids) or None


def _instant_of(epoch: int) -> datetime | None:
    return None if epoch == NO_TIME else datetime.fromtimestamp(epoch, UTC)


def _log_rows(rt: Runtime, checked: Checked, via: str) -> None:
    """One audit record per row. What rows share (the request's fields, each reason set's codes and
    detail, each next instant) is built once and the same object handed to every row, so the log
    converts it once (decision_log.record): per row it was most of a coalesced check's cost."""
    ev = checked.evaluation
    f = ev.frame
    if f.n == 1:
        _log_one(rt, checked, via)
        return
    set_of_row, sets = ev.reason_sets()
    codes = ["|".join([ev.reasons[d].code for d in s]) for s in sets]
    details = [{"reasons": [ev.reasons[d].to_dict() for d in s]} for s in sets]
    nexts = ev.next_allowed.tolist()
    instants = {t: _instant_of(t) for t in set(nexts)}
    versions = ev.pack_version.tolist() if ev.pack_version is not None else [None] * f.n
    shared = {
        "brand_id": f.campaign.brand, "campaign_id": f.campaign.id, "campaign_version": checked.campaign_version,
        "at": f.at, "evaluated_at": checked.evaluated_at, "caller_id": f.caller.raw[:32] or None,
        "vendor_id": f.vendor.requested, "via": via,
    }  # fmt: skip
    snapshots = _group_snapshots(f)
    rows = zip(checked.check_ids, f.e164.tolist(), ev.block.tolist(), set_of_row.tolist(),
               nexts, versions, f.group.tolist(), strict=True)  # fmt: skip
    rt.decision_log.record([
        {**shared, "check_id": check_id, "number": str(number)[:64], "verdict": "BLOCK" if block else "ALLOW",
         "reasons": codes[s], "next_allowed_at": instants[nxt], "pack_version": version, "detail": details[s],
         "snapshots": snapshots[g]}
        for check_id, number, block, s, nxt, version, g in rows
    ])  # fmt: skip


def _group_snapshots(f: Frame) -> list[str | None]:
    """Per group of rows, the snapshots a single check of one of its numbers reads (registers_for its
    country alone): rows decided together each name their own, not every country's of the request."""
    out = []
    for group in f.groups:
        names = registers_for(f.campaign, f.at, [group.jurisdiction])
        read = [f.registers[name].snapshot for name in names if name in f.registers]
        out.append(_snapshots(sorted(s.snapshot_id for s in read if s is not None)))
    return out


def _log_one(rt: Runtime, checked: Checked, via: str) -> None:
    """_log_rows of a single check: the same record, from the row _evaluate_one made (Evaluation.row)."""
    f = checked.evaluation.frame
    one = checked.evaluation.row(0)
    reasons = one.reasons
    rt.decision_log.record([{
        "check_id": checked.ids[0], "brand_id": f.campaign.brand, "campaign_id": f.campaign.id,
        "campaign_version": checked.campaign_version, "number": str(f.e164[0])[:64], "at": f.at,
        "evaluated_at": checked.evaluated_at, "verdict": "BLOCK" if one.block else "ALLOW",
        "reasons": "|".join([r.code for r in reasons]), "next_allowed_at": _instant_of(one.next_at),
        "caller_id": f.caller.raw[:32] or None, "vendor_id": f.vendor.requested, "pack_version": one.version,
        "snapshots": _snapshots(one.snapshots), "via": via,
        "detail": {"reasons": [r.to_dict() for r in reasons]},
    }])  # fmt: skip


def _log_batch(rt: Runtime, checked: Checked, batch_id: str, via: str) -> None:
    ev = checked.evaluation
    f = ev.frame
    set_of_row, sets = ev.reason_sets()
    per_set = np.bincount(set_of_row, minlength=len(sets))
    codes: dict[str, int] = {}
    for s, count in zip(sets, per_set, strict=True):
        for d in s:
            codes[str(ev.reasons[d].code)] = codes.get(str(ev.reasons[d].code), 0) + int(count)
    per_row = ev.pack_version.tolist() if ev.pack_version is not None else None  # str or None each
    versions = sorted(set(per_row) - {None}) if per_row is not None else []
    rt.decision_log.record_batch({
        "batch_id": batch_id, "brand_id": f.campaign.brand, "campaign_id": f.campaign.id,
        "campaign_version": checked.campaign_version, "at": f.at, "evaluated_at": checked.evaluated_at,
        "caller_id": f.caller.raw[:32] or None, "vendor_id": f.vendor.requested, "via": via, "count": f.n,
        "blocked": int(ev.block.sum()), "reason_counts": codes, "pack_versions": ",".join(versions) or None,
        "snapshots": _snapshots(snapshot_ids(f)),
        "payload": {
            "numbers": f.e164.tolist(), "blocked": ev.block, "reason_set": set_of_row,
            "reason_sets": [[ev.reasons[d].to_dict() for d in s] for s in sets], "next_allowed": ev.next_allowed,
            "pack_version": per_row,
        },
    })  # fmt: skip


__all__ = ["CheckRequest", "Checked", "check_call", "evaluate_request", "format_instant"]
