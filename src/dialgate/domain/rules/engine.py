"""The one decision function: a frame of calls against the packs, giving every reason for every row.

Every rule is evaluated (never first-fail). `next_allowed_at` is the earliest instant at which all
time-based reasons have cleared at once: the latest moment a frequency cap or cooling-off lets go, then
the first instant from there at which every calling window of the row is open. It is null when any
reason would not clear by waiting, or when something else would start to block by then (a snapshot
going stale, a consent expiring), or when it would fall after the last day with a holiday calendar.
When the law changes before that instant (a rule of the pack enters or leaves force), the row is decided
again at that instant under the new day's law: the instant stands if the call would be allowed then, and
moves on to that decision's own next instant if only time still blocks it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import lru_cache, partial

import numpy as np
import numpy.typing as npt

from dialgate.domain.calendar import (
    CALENDARS_END,
    NO_TIME,
    Calendar,
    WindowRule,
    calendar_for,
    closure,
    describe_windows,
)
from dialgate.domain.campaign import Campaign
from dialgate.domain.decision import TIME_BASED, Decision, Reason, ReasonCode, Verdict
from dialgate.domain.distinct import distinct_masks
from dialgate.domain.rules.base import Check, Finding, OneOutcome, Outcome, Pack, Rule
from dialgate.domain.rules.campaign_rules import INVALID_NUMBER, UNSUPPORTED, campaign_rules, register_applies
from dialgate.domain.rules.frame import NEVER, ONE_FALSE, ONE_TRUE, Bools, Frame, Group, Ints, shared
from dialgate.domain.timeutil import zone_info

_MONOTONIC = (ReasonCode.FREQUENCY_CAP, ReasonCode.COOLING_OFF)


@dataclass
class Evaluation:
    """The decisions of a frame, as columns: per row a verdict and a next instant; reasons are shared
    descriptors with the rows they apply to."""

    frame: Frame
    block: Bools
    next_allowed: Ints  # NO_TIME where null
    reasons: list[Reason] = field(default_factory=list)
    hits: list[tuple[int, npt.NDArray[np.intp]]] = field(default_factory=list)
    pack_version: npt.NDArray[np.object_] | None = None
    # per descriptor, where its rule and finding come in the evaluation: a row's reasons are listed in
    # that order, as the single check lists them, whatever order other rows created the descriptors in
    ranks: list[tuple[int, int]] | None = None
    _sets: tuple[npt.NDArray[np.intp], list[tuple[int, ...]]] | None = field(default=None, repr=False)
    one: OneRow | None = None  # a single check's row, as _evaluate_one made it

    def row(self, row: int) -> OneRow:
        """One row's decision as plain values: the single check's as made, a batch row's read out of the
        columns."""
        if self.one is not None:
            return self.one
        return OneRow(
            bool(self.block[row]),
            int(self.next_allowed[row]),
            tuple(self.reasons_of(row)),
            self.pack_version[row] if self.pack_version is not None else None,
            snapshot_ids(self.frame),
        )

    def reasons_of(self, row: int) -> list[Reason]:
        set_of_row, sets = self.reason_sets()
        return [self.reasons[d] for d in sets[int(set_of_row[row])]]

    def reason_sets(self) -> tuple[npt.NDArray[np.intp], list[tuple[int, ...]]]:
        """Per row, an index into a list of distinct reason sets (descriptor indices, in order).
        Computed once: the audit record and the answer of a batch both ask."""
        if self._sets is None:
            self._sets = self._reason_sets()
        return self._sets

    def _reason_sets(self) -> tuple[npt.NDArray[np.intp], list[tuple[int, ...]]]:
        n, d = self.frame.n, len(self.reasons)
        if d == 0 or n == 0:
            return np.zeros(n, dtype=np.intp), [()]
        if n == 1:
            return np.zeros(1, dtype=np.intp), [
                tuple(sorted({desc for desc, rows in self.hits if rows.size}))
            ]
        set_of_row, sets = _sets_by_bits(n, d, self.hits) if d <= 64 else _sets_by_rows(n, d, self.hits)
        if self.ranks is not None:
            sets = [tuple(sorted(s, key=self.ranks.__getitem__)) for s in sets]
        return set_of_row, sets

    def decision(self, row: int, check_id: str, evaluated_at: datetime) -> Decision:
        f = self.frame
        one = self.row(row)
        group = f.groups[int(f.group[row])]
        zone = zone_info(group.zones[0]) if group.zones else None
        nxt = one.next_at
        return Decision(
            check_id=check_id,
            number=str(f.e164[row]),
            verdict=Verdict.BLOCK if one.block else Verdict.ALLOW,
            reasons=one.reasons,
            next_allowed_at=datetime.fromtimestamp(nxt, zone) if nxt != NO_TIME and zone else None,
            jurisdiction=group.jurisdiction or None,
            local_time=f.at.astimezone(zone) if zone else None,
            zones=group.zones,
            zone_source=group.zone_source if group.zones else None,
            evaluated_at=evaluated_at,
            pack_version=one.version,
            snapshots=one.snapshots,
        )


@dataclass(slots=True)
class OneRow:
    """A row's decision as plain values. _evaluate_one makes it for the single check, whose answer and
    audit record then read it, instead of each taking every value back out of one-element columns."""

    block: bool
    next_at: int  # NO_TIME where null
    reasons: tuple[Reason, ...]  # in evaluation order
    version: str | None  # the pack's, None where no pack decided
    snapshots: tuple[str, ...]  # the ids of the register snapshots read, sorted


def snapshot_ids(frame: Frame) -> tuple[str, ...]:
    return tuple(sorted(r.snapshot.snapshot_id for r in frame.registers.values() if r.snapshot))


class _Collector:
    def __init__(self, frame: Frame) -> None:
        n = frame.n
        self.frame = frame
        self.block = np.zeros(n, dtype=bool)
        self.not_time = np.zeros(n, dtype=bool)
        self.wait_until = np.full(n, frame.at_s, dtype=np.int64)
        self.stable_until = np.full(n, NEVER, dtype=np.int64)
        self.law_changes = np.full(n, NEVER, dtype=np.int64)  # the next change of the row's pack
        self.reasons: list[Reason] = []
        self.index: dict[Reason, int] = {}
        self.ranks: list[tuple[int, int]] = []
        self.hits: list[tuple[int, npt.NDArray[np.intp]]] = []

    def add(self, rule_id: str, law: str, code: ReasonCode, message: str, rows: npt.NDArray[np.intp],
            clears_at: Ints | None = None, rank: tuple[int, int] = (-1, 0)) -> None:  # fmt: skip
        if rows.size == 0:
            return
        reason = Reason(code, rule_id, law, message)
        d = self.index.get(reason)
        if d is None:
            d = self.index[reason] = len(self.reasons)
            self.reasons.append(reason)
            self.ranks.append(rank)
        self.hits.append((d, rows))
        self.block[rows] = True
        if code in _MONOTONIC and clears_at is not None:
            np.maximum.at(self.wait_until, rows, clears_at)
        elif code not in TIME_BASED:
            self.not_time[rows] = True

    def finding(
        self, prefix: str, rule: Rule, finding: Finding, idx: npt.NDArray[np.intp], rank: tuple[int, int]
    ) -> None:
        if not np.count_nonzero(finding.rows):  # the common case: the rule lets every row through
            return
        if finding.group_messages:
            groups = self.frame.group[idx]
            for g in np.flatnonzero(np.bincount(groups[finding.rows])):  # distinct groups, no sort
                sel = finding.rows & (groups == g)
                msg = finding.group_messages.get(int(g), finding.message)
                self.add(f"{prefix}.{rule.id}", rule.law, finding.code, msg, idx[sel],
                         finding.clears_at[sel] if finding.clears_at is not None else None, rank)  # fmt: skip
            return
        rows = idx[finding.rows]
        clears = finding.clears_at[finding.rows] if finding.clears_at is not None else None
        self.add(f"{prefix}.{rule.id}", rule.law, finding.code, finding.message, rows, clears, rank)


def evaluate(frame: Frame, packs: Mapping[str, Pack]) -> Evaluation:
    if frame.n == 1:
        return _evaluate_one(frame, packs)
    c = _Collector(frame)
    n = frame.n
    pack_version = np.empty(n, dtype=object)  # None throughout
    calendars: dict[int, Calendar] = {}
    for country, idx in _by_country(c, packs):
        sub = frame if idx.size == n else frame.take(idx)
        pack = packs[country]
        plan = _plan_of(frame.campaign, pack, pack.legal_day(frame.at))
        pack_version[idx] = plan.version
        edge = pack.next_change_after(frame.at)
        if edge is not None:
            c.law_changes[idx] = edge
        for step, (prefix, rule) in enumerate(plan.checks):
            if rule.id.startswith("register-") and _leaves_out(
                pack, rule, [g.jurisdiction for g in sub.groups]
            ):
                continue
            outcome = _run(rule, sub, prefix)
            for k, finding in enumerate(outcome.findings):
                c.finding(prefix, rule, finding, idx, (step, k))
            if outcome.valid_until is not None:
                c.stable_until[idx] = np.minimum(c.stable_until[idx], outcome.valid_until)
        _windows(c, sub, idx, plan, calendars)
    nxt = _next_allowed(c, calendars, packs)
    return Evaluation(frame, c.block, nxt, c.reasons, c.hits, pack_version, c.ranks)


_ROW0 = shared(np.zeros(1, dtype=np.intp))  # every single check's reasons hit its one row


def _evaluate_one(frame: Frame, packs: Mapping[str, Pack]) -> Evaluation:
    """evaluate() on a one-row frame (the single check), in plain Python: the same steps, each rule's
    `one` form where it has one. test_engine_properties holds it to the column engine on every pack."""
    reasons: list[Reason] = []
    index: dict[Reason, int] = {}
    found: list[int] = []  # the descriptors this row hit, in order, repeats included
    block = not_time = False
    wait_until, stable_until, law_changes = frame.at_s, NEVER, NEVER

    def add(rule_id: str, law: str, code: ReasonCode, message: str, clears_at: int | None) -> None:
        nonlocal block, not_time, wait_until
        reason = Reason(code, rule_id, law, message)
        d = index.get(reason)
        if d is None:
            d = index[reason] = len(reasons)
            reasons.append(reason)
        found.append(d)
        block = True
        if code in _MONOTONIC and clears_at is not None:
            wait_until = max(wait_until, clears_at)
        elif code not in TIME_BASED:
            not_time = True

    group = frame.group0
    version: str | None = None
    calendar: Calendar | None = None
    if not frame.valid[0]:
        add("core.number", INVALID_NUMBER.law, ReasonCode.INVALID_NUMBER, _INVALID, None)
    elif group.jurisdiction not in packs:
        add("core.destination", UNSUPPORTED.law, ReasonCode.UNSUPPORTED_DESTINATION, _UNCOVERED, None)
    else:
        pack = packs[group.jurisdiction]
        plan = _plan_of(frame.campaign, pack, pack.legal_day(frame.at))
        version = plan.version
        law_changes = pack.next_change_after(frame.at) or NEVER
        for rule_id, law, one in plan.one_checks(pack, group.jurisdiction):
            hits, valid_until = one(frame)
            for code, message, clears_at in hits:
                add(rule_id, law, code, message, clears_at)
            if valid_until is not None:
                stable_until = min(stable_until, valid_until)
        parts, calendar = plan.group_windows(group, frame.campaign)
        if parts and not calendar.is_open(frame.at_s):
            for prefix, rule, wr in parts:
                shut = _shut(wr, group.zones, frame.at_s // 60)
                if shut is not None:
                    add(f"{prefix}.{rule.id}", rule.law, shut[0], shut[1], None)
    nxt = NO_TIME
    if block and not not_time and calendar is not None:
        nxt = calendar.next_open_one(wait_until)
        if nxt >= CALENDARS_END:
            nxt = NO_TIME
        elif nxt >= law_changes:  # the new law decides, whatever the old one would have let lapse
            nxt = int(_under_later_law(frame, packs, _ROW0, np.array([nxt], dtype=np.int64))[0])
        elif nxt >= stable_until:
            nxt = NO_TIME
    ev = Evaluation(frame, ONE_TRUE if block else ONE_FALSE,
                    _NO_NEXT if nxt == NO_TIME else np.array([nxt], dtype=np.int64), reasons,
                    [(d, _ROW0) for d in found], _version_column(version))  # fmt: skip
    # a descriptor is made at its first hit, so the row's reasons are all of them, in order
    ev._sets = (_ROW0, [tuple(range(len(reasons)))])
    ev.one = OneRow(block, nxt, tuple(reasons), version, snapshot_ids(frame))
    return ev


_NO_NEXT = shared(np.array([NO_TIME], dtype=np.int64))
_VERSIONS: dict[str | None, npt.NDArray[np.object_]] = {}


def _version_column(version: str | None) -> npt.NDArray[np.object_]:
    """A single check's pack version as a shared, read-only column (a few pack versions exist)."""
    column = _VERSIONS.get(version)
    if column is None:
        column = np.empty(1, dtype=object)
        column[0] = version
        column = _VERSIONS[version] = shared(column)
    return column


def _one_of(check: Check | None, frame: Frame) -> OneOutcome:
    """A rule without a one-row form: its column check on the one row."""
    assert check is not None
    outcome = check(frame)
    g = int(frame.group[0])
    hits = [
        (f.code, f.group_messages.get(g, f.message) if f.group_messages else f.message,
         int(f.clears_at[0]) if f.clears_at is not None else None)
        for f in outcome.findings
        if f.rows[0]
    ]  # fmt: skip
    return hits, int(outcome.valid_until[0]) if outcome.valid_until is not None else None


def _leaves_out(pack: Pack, rule: Rule, jurisdictions: Sequence[str]) -> bool:
    """A campaign's register the pack already reads is the pack's to apply, with the law's delays; a
    national one of another country concerns none of these destinations."""
    name = rule.id[len("register-") :]
    return name in pack.registers or not any(register_applies(name, j) for j in jurisdictions)


def _by_country(c: _Collector, packs: Mapping[str, Pack]) -> list[tuple[str, npt.NDArray[np.intp]]]:
    """The rows each pack decides; invalid numbers and destinations no pack covers are reported here."""
    frame, n = c.frame, c.frame.n
    countries = sorted({g.jurisdiction for g in frame.groups if g.jurisdiction in packs})
    code_of_group = np.array(
        [countries.index(g.jurisdiction) if g.jurisdiction in packs else -1 for g in frame.groups]
    )
    row_code = code_of_group[frame.group] if n else np.zeros(0, dtype=np.int64)
    covered = frame.valid & (row_code >= 0)
    if np.count_nonzero(frame.valid) != n:
        c.add(
            "core.number",
            INVALID_NUMBER.law,
            ReasonCode.INVALID_NUMBER,
            _INVALID,
            np.flatnonzero(~frame.valid),
        )
    if np.count_nonzero(covered | ~frame.valid) != n:
        c.add("core.destination", UNSUPPORTED.law, ReasonCode.UNSUPPORTED_DESTINATION, _UNCOVERED,
              np.flatnonzero(frame.valid & ~covered))  # fmt: skip
    if n and len(countries) == 1 and np.count_nonzero(covered) == n:
        return [(countries[0], np.arange(n))]
    found = [
        (country, np.flatnonzero(covered & (row_code == code))) for code, country in enumerate(countries)
    ]
    return [(country, idx) for country, idx in found if idx.size]


_INVALID = "The number cannot be read as a valid, dialable number."
_UNCOVERED = "No rule pack covers this destination, so dialgate does not allow the call."

WindowParts = tuple[tuple[str, Rule, WindowRule], ...]
OneChecks = tuple[tuple[str, str, Callable[[Frame], OneOutcome]], ...]


@dataclass(frozen=True, eq=False)
class _Plan:
    version: str
    checks: tuple[tuple[str, Rule], ...]
    windows: tuple[tuple[str, Rule], ...]
    registers: tuple[str, ...]  # the registers its checks read
    window_step: dict[tuple[str, str], int]  # each window rule's place in `windows`, by (prefix, rule id)
    # per group (as a tuple of its fields: hashed in C, where the dataclass hashes in Python): its window
    # rules and their calendar (the plan is cached, so is this)
    by_group: dict[tuple[object, ...], tuple[WindowParts, Calendar]] = field(default_factory=dict)
    by_jurisdiction: dict[str, OneChecks] = field(default_factory=dict)  # see one_checks

    def one_checks(self, pack: Pack, jurisdiction: str) -> OneChecks:
        """The checks a single check into `jurisdiction` runs, each as (its reason's rule id, its law, its
        one-row form): a campaign's register the pack reads itself, or of another country, is left out
        as _run masks it off a batch's other rows (computed once per plan, which is the pack's, and
        destination)."""
        hit = self.by_jurisdiction.get(jurisdiction)
        if hit is None:
            hit = self.by_jurisdiction[jurisdiction] = tuple(
                (f"{prefix}.{rule.id}", rule.law, rule.one or partial(_one_of, rule.check))
                for prefix, rule in self.checks
                if not (rule.id.startswith("register-") and _leaves_out(pack, rule, (jurisdiction,)))
            )
        return hit

    def group_windows(self, group: Group, campaign: Campaign) -> tuple[WindowParts, Calendar]:
        key = (group.region, group.jurisdiction, group.zones, group.zone_source, group.subdivision)
        hit = self.by_group.get(key)
        if hit is None:
            parts = tuple(
                (prefix, rule, wr)
                for prefix, rule in self.windows
                if rule.window is not None and (wr := rule.window(group, campaign)) is not None
            )
            hit = self.by_group[key] = (parts, calendar_for(tuple(wr for _, _, wr in parts), group.zones))
        return hit


@lru_cache(maxsize=1024)
def _plan(campaign: Campaign, pack: Pack, day: date) -> _Plan:
    """The rules in force for this campaign in this country on this day, in evaluation order."""
    active = [("campaign", r) for r in campaign_rules(campaign)]
    active += [(pack.country, r) for r in pack.rules if r.applies(campaign, day)]
    checks = tuple((p, r) for p, r in active if r.check is not None)
    windows = tuple((p, r) for p, r in active if r.window is not None)
    return _Plan(
        f"{pack.country}@{pack.version}",
        checks,
        windows,
        tuple(dict.fromkeys(name for _, rule in checks for name in rule.registers)),
        {(p, r.id): i for i, (p, r) in enumerate(windows)},
    )


_PLANS: dict[tuple[int, int, date], tuple[Campaign, Pack, _Plan]] = {}


def _plan_of(campaign: Campaign, pack: Pack, day: date) -> _Plan:
    """_plan, found by the objects' identity first: hashing a campaign (every field, nested) for the
    lru_cache cost a single check more than the rest of the plan's lookup. The entry keeps its campaign
    and pack, so an id is never mistaken for a new object's."""
    key = (id(campaign), id(pack), day)
    hit = _PLANS.get(key)
    if hit is not None and hit[0] is campaign and hit[1] is pack:
        return hit[2]
    if len(_PLANS) >= 1024:
        _PLANS.clear()
    plan = _PLANS[key] = (campaign, pack, _plan(campaign, pack, day))
    return plan[2]


def registers_in_force(campaign: Campaign, pack: Pack, at: datetime) -> tuple[str, ...]:
    """The registers the pack's rules in force at `at` will read for this campaign."""
    return _plan_of(campaign, pack, pack.legal_day(at)).registers


def rules_in_force(campaign: Campaign, pack: Pack, at: datetime) -> tuple[tuple[str, Rule], ...]:
    """What the engine applies to this campaign's calls into the pack's country at `at`: each rule with
    its prefix (the country, or "campaign" for the campaign file's own rules), checks first, then windows.
    A campaign register the pack already reads, or a national one of another country, is left out, as
    evaluate() leaves it out."""
    plan = _plan_of(campaign, pack, pack.legal_day(at))

    def applies(prefix: str, rule: Rule) -> bool:
        return (
            prefix != "campaign"
            or not rule.id.startswith("register-")
            or not _leaves_out(pack, rule, (pack.country,))
        )

    return tuple((prefix, rule) for prefix, rule in plan.checks + plan.windows if applies(prefix, rule))


def _run(rule: Rule, f: Frame, prefix: str) -> Outcome:
    assert rule.check is not None
    if prefix == "campaign" and rule.id.startswith("register-"):
        name = rule.id[len("register-") :]
        keep = np.array([register_applies(name, g.jurisdiction) for g in f.groups], dtype=bool)[f.group]
        out = rule.check(f)
        for finding in out.findings:
            finding.rows &= keep
        if out.valid_until is not None:
            out.valid_until = np.where(keep, out.valid_until, NEVER)
        return out
    return rule.check(f)


def _windows(
    c: _Collector, f: Frame, idx: npt.NDArray[np.intp], plan: _Plan, calendars: dict[int, Calendar]
) -> None:
    # groups differ by subdivision too, while a closure depends on the windows, zones and minute alone:
    # _shut works each out once (a batch across a country has dozens of groups, few zones)
    for g in np.flatnonzero(np.bincount(f.group)):  # distinct groups, no sort
        group = f.groups[int(g)]
        parts, calendar = plan.group_windows(group, f.campaign)
        calendars[int(g)] = calendar
        if not parts or calendar.is_open(f.at_s):  # open in every window and zone: nothing to report
            continue
        rows = idx[f.group == g]
        for prefix, rule, wr in parts:
            shut = _shut(wr, group.zones, f.at_s // 60)
            if shut is not None:
                rank = (len(plan.checks) + plan.window_step[(prefix, rule.id)], 0)
                c.add(f"{prefix}.{rule.id}", rule.law, shut[0], shut[1], rows, None, rank)


@lru_cache(maxsize=4096)
def _shut(wr: WindowRule, zones: tuple[str, ...], minute: int) -> tuple[ReasonCode, str] | None:
    """Why a window forbids calls during this minute (since 1970) in these zones, and the text that says
    so. It depends on nothing finer than the local minute, so every check of that minute shares it."""
    shut = closure(wr, zones, datetime.fromtimestamp(minute * 60, UTC))
    if shut is None:
        return None
    code = ReasonCode.PUBLIC_HOLIDAY if shut.holiday else ReasonCode.OUTSIDE_CALLING_HOURS
    said = shut.describe()
    return (
        code,
        f"{said[0].upper()}{said[1:]}; calls are allowed {describe_windows(wr)} (callee's local time).",
    )


def _next_allowed(c: _Collector, calendars: dict[int, Calendar], packs: Mapping[str, Pack]) -> Ints:
    f = c.frame
    out = np.full(f.n, NO_TIME, dtype=np.int64)
    if not np.count_nonzero(c.block):
        return out
    waiting = c.block & ~c.not_time
    for g, cal in calendars.items():
        rows = np.flatnonzero(waiting & (f.group == g))
        if rows.size:
            out[rows] = cal.next_open(c.wait_until[rows])
    later_law = out >= c.law_changes  # the new law decides, whatever the old one would have let lapse
    out = np.where(waiting & (out < CALENDARS_END) & ((out < c.stable_until) | later_law), out, NO_TIME)
    later = np.flatnonzero((out != NO_TIME) & later_law)
    if later.size:
        out[later] = _under_later_law(f, packs, later, out[later])
    return out


def _under_later_law(frame: Frame, packs: Mapping[str, Pack], rows: npt.NDArray[np.intp], at_s: Ints) -> Ints:
    """The next instant of rows whose candidate `at_s` comes after a change in their pack: each row
    decided again at its candidate, under that day's law, with the same facts (rules read only the
    attempts inside their own windows, so those read for the earlier instant serve). The candidate if
    that decision allows the call, else that decision's own next instant. Each round starts past a change
    of the law, so it ends within as many rounds as the pack has changes ahead."""
    out = np.empty(rows.size, dtype=np.int64)
    for t in np.unique(at_s).tolist():
        sel = at_s == t
        sub = frame if frame.n == 1 else frame.take(rows[sel])
        moment = datetime.fromtimestamp(t, UTC)
        ev = evaluate(replace(sub, at=moment, at_s=t, today=moment.date()), packs)
        out[sel] = np.where(ev.block, ev.next_allowed, t)
    return out


def decide_instant(at: datetime) -> int:
    return int(at.astimezone(UTC).timestamp())


Hits = Sequence[tuple[int, npt.NDArray[np.intp]]]


def _sets_by_bits(n: int, d: int, hits: Hits) -> tuple[npt.NDArray[np.intp], list[tuple[int, ...]]]:
    """reason_sets with one bit per descriptor in a uint64, grouped by counting (distinct_masks), not by
    sorting the byte rows of _sets_by_rows."""
    bits = np.zeros(n, dtype=np.uint64)
    for desc, rows in hits:
        bits[rows] |= np.uint64(1 << desc)
    distinct, inverse = distinct_masks(bits)
    sets = [tuple(i for i in range(d) if b >> i & 1) for b in distinct.tolist()]
    return inverse, sets


def _sets_by_rows(n: int, d: int, hits: Hits) -> tuple[npt.NDArray[np.intp], list[tuple[int, ...]]]:
    """reason_sets for any number of descriptors: rows packed to bytes and compared whole."""
    matrix = np.zeros((n, d), dtype=bool)
    for desc, rows in hits:
        matrix[rows, desc] = True
    packed = np.packbits(matrix, axis=1)
    keys = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    sets = [tuple(int(x) for x in np.flatnonzero(matrix[i])) for i in first]
    return inverse.astype(np.intp), sets
