"""Properties of the decision engine, driven on frames built in memory (no store, no clock).

- Nothing is ever allowed after a revocation, whatever the pack, the instant or the other facts.
- Tightening a campaign's limits never turns a BLOCK into an ALLOW.
- When next_allowed_at is set, checking again at that instant with nothing else changed allows the call.

Hypothesis runs derandomized, so every run draws the same examples.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialgate.domain.campaign import WITHHELD, AttemptLimit, Campaign, Limits
from dialgate.domain.model import Vendor
from dialgate.domain.numbers import parse_number
from dialgate.domain.registry import NO_DATE, SnapshotInfo
from dialgate.domain.rules.alike import alike_rows
from dialgate.domain.rules.engine import evaluate
from dialgate.domain.rules.frame import (
    NEVER,
    PARTY_CODES,
    REVOKED,
    AttemptColumns,
    CallerFacts,
    ConsentColumns,
    Frame,
    RegisterColumns,
    VendorFacts,
)
from dialgate.domain.rules.inputs import (
    AttemptRows,
    ConsentRows,
    attempt_columns,
    consent_columns,
    number_columns,
)
from dialgate.domain.rules.packs import PACKS
from dialgate.domain.vocabulary import Party, Purpose
from dialgate.domain.windows import WeeklyWindows

NO_TIME = NEVER
DAY = 86400

# Callees: fictional or fixture numbers of every pack, chosen for their zones and subdivisions, plus one
# destination no pack covers (an Australian drama number).
NUMBERS = (
    "+33639980012", "+12125550123", "+18505550123", "+13055550123", "+18005550123", "+14155550123",
    "+905100000100", "+902120000100", "+393100000100", "+491713920012", "+493023125100",
    "+48451000100", "+48220000100", "+5511900000100", "+5521900000100", "+5581900000100",
    "+5587900000100", "+5567900000100", "+5527900000100", "+5585900000100", "+447700900100",
    "+34710000100", "+61491570156",
)  # fmt: skip
GOOD_CALLER = {
    "FR": "+33162000000", "US": "+12025550100", "TR": "+902120000199", "IT": "+390844000100",
    "DE": "+493023125099", "PL": "+48220000199", "BR": "+5511900000199", "GB": "+442079460100",
    "ES": "+442079460100", "AU": "+442079460100",
}  # fmt: skip
OTHER_CALLERS = (
    "anonymous",
    "+390843000100",
    "+553030000100",
    "+449098790100",
    "+34710000199",
    "+10005550100",
)
REGISTERS = tuple(sorted({r for p in PACKS.values() for r in p.registers} | {"US-DNC", "acme-private"}))
ANCHORS = tuple(
    datetime(*a, tzinfo=UTC)
    for a in (
        (2026, 11, 23, 9), (2026, 3, 29, 0), (2026, 10, 25, 0), (2026, 3, 8, 6), (2026, 12, 24, 12),
        (2026, 8, 10, 20), (2025, 8, 6, 12), (2025, 6, 6, 12), (2023, 6, 28, 12), (2026, 5, 26, 6),
        (2026, 4, 24, 15), (2026, 12, 7, 15),
    )
)  # fmt: skip
PURPOSES = tuple(Purpose)


@dataclass(frozen=True)
class Facts:
    """Everything a check knows, in absolute terms, so the same facts can be evaluated at another instant."""

    numbers: tuple[str, ...]
    campaign: Campaign
    caller: str
    vendor: tuple[str | None, bool, date | None]  # requested id, accredited, until
    consents: tuple[tuple[int, int, int, int, int, int, bool, int, bool], ...]  # ConsentRows fields
    dnc: tuple[bool, ...]
    attempts: tuple[tuple[int, int, bool, bool, bool], ...]  # row, at, same campaign, same purpose, refused
    registers: tuple[tuple[str, date | None, tuple[bool, ...], tuple[int, ...]], ...]
    roaming: tuple[int, ...]
    fail_open: bool


def frame_of(facts: Facts, at: datetime) -> Frame:
    parsed = [parse_number(n) for n in facts.numbers]
    cols = number_columns(parsed, list(facts.numbers))
    n = len(facts.numbers)
    c = facts.consents
    rows = ConsentRows(
        np.array([e[0] for e in c], dtype=np.intp), np.array([e[1] * 1_000_000 for e in c], dtype=np.int64),
        np.array([e[2] for e in c], dtype=np.int64), np.array([e[3] for e in c], dtype=np.int8),
        np.array([e[4] for e in c], dtype=np.int8), np.array([e[5] for e in c], dtype=np.int8),
        np.array([e[6] for e in c], dtype=bool), np.array([e[7] for e in c], dtype=np.int64),
        np.array([e[8] for e in c], dtype=bool),
    ) if c else ConsentRows.empty()  # fmt: skip
    at_s = int(at.timestamp())
    a = [x for x in facts.attempts if x[1] <= at_s]  # what the store returns: attempts up to the instant
    attempts = AttemptRows(
        np.array([x[0] for x in a], dtype=np.intp), np.array([x[1] for x in a], dtype=np.int64),
        np.array([x[2] for x in a], dtype=bool), np.array([x[3] for x in a], dtype=bool),
        np.array([x[4] for x in a], dtype=bool),
    )  # fmt: skip
    registers = {}
    for name, as_of, member, listed in facts.registers:
        snap = None
        if as_of is not None:
            snap = SnapshotInfo(name, f"{name}@{as_of}", as_of, sum(member),
                                datetime.combine(as_of, datetime.min.time(), UTC), any(d != NO_DATE for d in listed))  # fmt: skip
        registers[name] = RegisterColumns(
            name,
            snap,
            np.array(member, dtype=bool) & cols.valid,
            np.array(listed, dtype=np.int32),
        )
    requested, accredited, until = facts.vendor
    vendor = VendorFacts(
        requested, Vendor("acme", requested, "", accredited, until) if requested == "callco" else None
    )
    raw = facts.caller
    withheld = raw.strip().lower() in WITHHELD
    number = None
    if not withheld:
        try:
            number = parse_number(raw)
        except Exception:
            number = None
    return Frame(
        at=at,
        at_s=at_s,
        today=at.astimezone(UTC).date(),
        campaign=facts.campaign,
        caller=CallerFacts(raw, withheld, number),
        vendor=vendor,
        key=cols.key,
        texts=cols.e164,
        valid=cols.valid,
        mobile=cols.mobile,
        group=cols.group,
        groups=cols.groups,
        consent=consent_columns(n, rows, PARTY_CODES[facts.campaign.party]),
        dnc=np.array(facts.dnc, dtype=bool),
        registers=registers,
        attempts=attempt_columns(n, attempts),
        roaming=np.array(facts.roaming, dtype=np.int8),
        roaming_fail_open=facts.fail_open,
    )


# --- strategies ---------------------------------------------------------------------------------------


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    if draw(st.booleans()):
        base = draw(st.sampled_from(ANCHORS))
        return base + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 3 * 24 * 60)))
    start = datetime(2022, 1, 1, tzinfo=UTC)
    return start + timedelta(minutes=draw(st.integers(0, 6 * 366 * 24 * 60)))


spans = st.tuples(st.integers(0, 23 * 60), st.integers(30, 12 * 60)).map(
    lambda t: (t[0], min(1440, t[0] + t[1]))
)


@st.composite
def weekly(draw: st.DrawFn) -> WeeklyWindows:
    return WeeklyWindows(tuple(tuple(draw(st.lists(spans, max_size=1))) for _ in range(7)))


@st.composite
def limits(draw: st.DrawFn) -> Limits:
    return Limits(
        max_attempts=draw(st.none() | st.builds(AttemptLimit, st.integers(1, 5), st.integers(1, 30))),
        hours=draw(st.none() | weekly()),
        cooling_off_days=draw(st.none() | st.integers(1, 90)),
    )


@st.composite
def facts(draw: st.DrawFn, at: datetime, tidy: bool) -> Facts:
    """Random facts; `tidy` ones mostly satisfy every rule that waiting cannot fix (consent, registers,
    caller ID, vendor, roaming), so the time-based rules (windows, holidays, caps, cooling-off) decide."""
    numbers = tuple(
        draw(st.lists(st.sampled_from(NUMBERS), min_size=1, max_size=2 if tidy else 3, unique=True))
    )
    n = len(numbers)
    country = parse_number(numbers[0]).jurisdiction or "AU"
    at_s = int(at.timestamp())
    campaign = Campaign(
        id="c1",
        brand="acme",
        purpose=draw(st.sampled_from(PURPOSES)),
        party=draw(st.sampled_from(tuple(Party))),
        caller_id="",
        countries=tuple(sorted(PACKS)) if draw(st.integers(0, 9)) else ("FR",),
        registries=tuple(draw(st.lists(st.sampled_from(REGISTERS), max_size=1))),
        code_of_conduct=("IT",) if draw(st.booleans()) else (),
        limits=draw(st.just(Limits()) | limits()),
    )
    caller = GOOD_CALLER[country] if tidy or draw(st.integers(0, 3)) else draw(st.sampled_from(OTHER_CALLERS))
    vendor = (
        (None, True, None)
        if tidy
        else draw(
            st.sampled_from(
                [(None, True, None), ("callco", True, None), ("callco", False, None), ("ghost", True, None)]
            )
            | st.tuples(st.just("callco"), st.just(True), st.dates(date(2021, 1, 1), date(2028, 12, 31)))
        )
    )
    consents = []
    for row in range(n if tidy else 0):
        captured = at_s - draw(st.integers(DAY, 400 * DAY))
        consents.append((row, captured, 0, 1, 0, 0, True, NEVER, True))
    for row in range(0 if tidy else n):
        for seq in range(draw(st.integers(0, 3))):
            captured = at_s - draw(st.integers(-30 * DAY, 6 * 365 * DAY))
            expires = NEVER if draw(st.booleans()) else captured + draw(st.integers(DAY, 3 * 365 * DAY))
            consents.append((
                row, captured, seq, draw(st.sampled_from([1, 1, 1, 2])), draw(st.integers(0, 2)),
                draw(st.integers(0, 1)), draw(st.booleans()), expires, draw(st.booleans()),
            ))  # fmt: skip
    attempts = tuple(
        (row, at_s - draw(st.integers(0, 70 * DAY)), draw(st.booleans()), draw(st.booleans()), draw(st.integers(0, 5)) == 0)
        for row in range(n)
        for _ in range(draw(st.integers(0, 4)))
    )  # fmt: skip
    today = at.date()
    registers = []
    for name in REGISTERS:
        fresh = 9 if tidy else draw(st.integers(0, 9))
        as_of = (
            None
            if fresh == 0
            else today - timedelta(days=draw(st.integers(0, 3) if fresh > 2 else st.integers(0, 60)))
        )
        member = tuple(draw(st.integers(0, 19 if tidy else 4)) == 0 for _ in range(n))
        listed = tuple(
            NO_DATE if draw(st.booleans()) else (today - date(1970, 1, 1)).days - draw(st.integers(0, 60)) for _ in range(n)
        )  # fmt: skip
        registers.append((name, as_of, member, listed))
    return Facts(
        numbers=numbers,
        campaign=replace(campaign, caller_id=caller),
        caller=caller,
        vendor=vendor,
        consents=tuple(consents),
        dnc=tuple(not tidy and draw(st.integers(0, 9)) == 0 for _ in range(n)),
        attempts=attempts,
        registers=tuple(registers),
        roaming=tuple(1 if tidy else draw(st.sampled_from([1, 1, 2, 3, 4])) for _ in range(n)),
        fail_open=draw(st.booleans()),
    )


@st.composite
def situations(draw: st.DrawFn) -> tuple[Facts, datetime]:
    at = draw(instants())
    return draw(facts(at, draw(st.booleans()))), at


def _settings(examples: int) -> settings:
    """Fixed examples by default; PROPERTY_EXAMPLES=3000 searches harder, with fresh randomness."""
    deeper = os.environ.get("PROPERTY_EXAMPLES")
    return settings(
        max_examples=int(deeper) if deeper else examples,
        derandomize=not deeper,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


# --- properties -------------------------------------------------------------------------------------


@_settings(120)
@given(situations(), st.integers(0, 2), st.integers(-365 * DAY, 30 * DAY))
def test_nothing_is_allowed_after_a_revocation(
    situation: tuple[Facts, datetime], row: int, when: int
) -> None:
    f, at = situation
    row = row % len(f.numbers)
    latest = max((c[1] for c in f.consents if c[0] == row), default=int(at.timestamp()) - 400 * DAY)
    revocation = (row, latest + abs(when) // 7 + 1, 99, REVOKED, 0, 0, False, NEVER, False)
    revoked = replace(f, consents=(*f.consents, revocation))
    ev = evaluate(frame_of(revoked, at), PACKS)
    assert ev.block[row], [r.code for r in ev.reasons_of(row)]


def _tighter_hours(draw: st.DrawFn, hours: WeeklyWindows | None) -> WeeklyWindows:
    if hours is None:
        return draw(weekly())
    out = []
    for spans_of_day in hours.days:
        kept = []
        for s, e in spans_of_day:
            if draw(st.booleans()):
                continue
            a = draw(st.integers(s, e - 1))
            b = draw(st.integers(a + 1, e))
            kept.append((a, b))
        out.append(tuple(kept))
    return WeeklyWindows(tuple(out))


@st.composite
def tightened(draw: st.DrawFn, campaign: Campaign) -> Campaign:
    lim = campaign.limits
    what = draw(st.sets(st.sampled_from(["hours", "attempts", "cooling", "registries"]), min_size=1))
    if "hours" in what:
        lim = replace(lim, hours=_tighter_hours(draw, lim.hours))
    if "attempts" in what:
        old = lim.max_attempts
        lim = replace(
            lim,
            max_attempts=AttemptLimit(draw(st.integers(1, 5)), draw(st.integers(1, 30)))
            if old is None
            else AttemptLimit(draw(st.integers(1, old.count)), draw(st.integers(old.days, old.days + 30))),
        )
    if "cooling" in what:
        old_days = lim.cooling_off_days
        lim = replace(lim, cooling_off_days=draw(st.integers(1 if old_days is None else old_days, 120)))
    registries = campaign.registries
    if "registries" in what:
        registries = tuple(dict.fromkeys((*registries, draw(st.sampled_from(REGISTERS)))))
    return replace(campaign, limits=lim, registries=registries)


@_settings(120)
@given(st.data())
def test_tightening_a_campaign_never_turns_block_into_allow(data: st.DataObject) -> None:
    f, at = data.draw(situations())
    before = evaluate(frame_of(f, at), PACKS)
    stricter = replace(f, campaign=data.draw(tightened(f.campaign)))
    after = evaluate(frame_of(stricter, at), PACKS)
    for row in np.flatnonzero(before.block):
        assert after.block[row], (f.numbers[row], [r.code for r in before.reasons_of(int(row))])


@_settings(200)
@given(situations())
def test_at_next_allowed_at_the_call_is_allowed(situation: tuple[Facts, datetime]) -> None:
    f, at = situation
    ev = evaluate(frame_of(f, at), PACKS)
    for row in np.flatnonzero(ev.next_allowed != NO_TIME):
        then = datetime.fromtimestamp(int(ev.next_allowed[row]), UTC)
        assert then > at
        again = evaluate(frame_of(f, then), PACKS)
        assert not again.block[row], (
            f.numbers[row],
            at.isoformat(),
            then.isoformat(),
            [r.code for r in ev.reasons_of(int(row))],
            [(r.code, r.message) for r in again.reasons_of(int(row))],
        )


def _alone(f: Facts, row: int) -> Facts:
    """The same facts about one of the numbers, as a single check sees them."""
    return replace(
        f,
        numbers=(f.numbers[row],),
        consents=tuple((0, *c[1:]) for c in f.consents if c[0] == row),
        dnc=(f.dnc[row],),
        attempts=tuple((0, *a[1:]) for a in f.attempts if a[0] == row),
        registers=tuple((name, as_of, (m[row],), (ld[row],)) for name, as_of, m, ld in f.registers),
        roaming=(f.roaming[row],),
    )


def _twice(f: Facts) -> Facts:
    """The facts with every number listed twice: a batch of at least two rows, whatever was drawn."""
    n = len(f.numbers)
    return replace(
        f,
        numbers=f.numbers * 2,
        consents=f.consents + tuple((c[0] + n, *c[1:]) for c in f.consents),
        dnc=f.dnc * 2,
        attempts=f.attempts + tuple((a[0] + n, *a[1:]) for a in f.attempts),
        registers=tuple((name, as_of, m * 2, ld * 2) for name, as_of, m, ld in f.registers),
        roaming=f.roaming * 2,
    )


@_settings(300)
@given(situations())
def test_a_single_check_decides_as_its_row_in_a_batch(situation: tuple[Facts, datetime]) -> None:
    """The one-row frame takes shortcuts of its own (plain Python where numpy's per-call cost would
    dominate); each must give what the column engine gives the same row among others."""
    f, at = situation
    batch = evaluate(frame_of(_twice(f), at), PACKS)
    for row in range(len(f.numbers)):
        single = evaluate(frame_of(_alone(f, row), at), PACKS)
        assert bool(single.block[0]) == bool(batch.block[row]), f.numbers[row]
        assert single.reasons_of(0) == batch.reasons_of(row), f.numbers[row]
        assert int(single.next_allowed[0]) == int(batch.next_allowed[row]), f.numbers[row]
        assert single.pack_version is not None and batch.pack_version is not None
        assert single.pack_version[0] == batch.pack_version[row]
        # the plain row the single check's answer and audit record read, against the batch row's columns
        assert single.one is not None and single.row(0) == batch.row(row), f.numbers[row]


def _tidy(number: str, at: datetime, **changes: object) -> Facts:
    """Facts that satisfy every rule except the ones `changes` bring in: a consent a year old, fresh
    registers without the number, a good caller ID."""
    at_s = int(at.timestamp())
    country = parse_number(number).jurisdiction
    campaign = Campaign(id="c1", brand="acme", purpose=Purpose.MARKETING, party=Party.CONSUMER,
                        caller_id=GOOD_CALLER[country], countries=tuple(sorted(PACKS)))  # fmt: skip
    base = Facts(
        numbers=(number,), campaign=campaign, caller=GOOD_CALLER[country], vendor=(None, True, None),
        consents=((0, at_s - 365 * DAY, 0, 1, 0, 0, False, NEVER, True),), dnc=(False,), attempts=(),
        registers=tuple((name, at.date(), (False,), (NO_DATE,)) for name in REGISTERS), roaming=(1,),
        fail_open=False,
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def _alike(f: Facts, at: datetime) -> None:
    batch = evaluate(frame_of(_twice(f), at), PACKS)
    single = evaluate(frame_of(f, at), PACKS)
    assert bool(single.block[0]) == bool(batch.block[0])
    assert single.reasons_of(0) == batch.reasons_of(0)
    assert int(single.next_allowed[0]) == int(batch.next_allowed[0])


def test_a_single_check_decides_as_a_batch_where_the_random_facts_seldom_go():
    """Edges the drawn situations rarely reach, each deciding the single check's own code: more attempts
    than the cap (which one lets go first), a check at the very second a cooling-off ends, and a number
    spared a register by its consent while that register's snapshot is stale or missing."""
    from dialgate.domain.rules.common import _midnight_after

    at = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # a Monday, 10:30 in Paris
    at_s = int(at.timestamp())
    checked = []
    for count in (4, 5, 7):  # France: 4 attempts in 30 days
        attempts = tuple((0, at_s - (i + 1) * 3 * DAY, True, True, False) for i in range(count))
        f = _tidy("+33639980012", at, attempts=attempts)
        _alike(f, at)
        checked.append(evaluate(frame_of(f, at), PACKS).next_allowed[0])
    assert NO_TIME not in checked, "each is blocked by the cap alone, so its next instant is known"
    refusal = at_s - 61 * DAY
    clears = _midnight_after(refusal, "Europe/Paris", 60)
    for moment in (clears - 1, clears, clears + 1):
        then = datetime.fromtimestamp(moment, UTC)
        _alike(_tidy("+33639980012", then, attempts=((0, refusal, True, True, True),)), then)
    spain = "+34710000100"
    for as_of in (at.date() - timedelta(days=40), None):  # stale, missing
        registers = tuple((name, as_of if name == "ES-ROBINSON" else at.date(), (True,), (NO_DATE,))
                          for name in REGISTERS)  # fmt: skip
        for consents in (_tidy(spain, at).consents, ()):  # spared by consent, or not
            _alike(_tidy(spain, at, registers=registers, consents=consents), at)
    # spared by a consent that ends tonight, called after hours: by the morning the register applies again
    # (in June 2023, before Spain's consent rule, so the register's rule alone says how long this holds)
    evening = datetime(2023, 6, 26, 19, 45, tzinfo=UTC)  # a Monday, 21:45 in Madrid
    ends = int(evening.timestamp()) + 2 * 3600
    consents = ((0, int(evening.timestamp()) - 365 * DAY, 0, 1, 0, 0, False, ends, True),)
    registers = tuple((name, evening.date(), (name == "ES-ROBINSON",), (NO_DATE,)) for name in REGISTERS)
    f = _tidy(spain, evening, registers=registers, consents=consents)
    _alike(f, evening)
    assert evaluate(frame_of(f, evening), PACKS).next_allowed[0] == NO_TIME
    # a consent that ends at the very second the calling window opens again: nothing to promise
    late = datetime(2026, 11, 23, 20, 30, tzinfo=UTC)  # 21:30 in Paris; calls again from 10:00
    opens = int(datetime(2026, 11, 24, 9, 0, tzinfo=UTC).timestamp())
    for ends in (opens, opens + 1):
        consents = ((0, int(late.timestamp()) - 365 * DAY, 0, 1, 0, 0, False, ends, True),)
        f = _tidy("+33639980012", late, consents=consents)
        _alike(f, late)
        promised = evaluate(frame_of(f, late), PACKS).next_allowed[0]
        assert promised == (NO_TIME if ends == opens else opens)


def _varied(f: Facts, variants: list[int], at: datetime) -> tuple[Facts, list[int]]:
    """Four copies of each number, each with every register's answer about the first number; then one
    input of row r changed as variants[r % len(variants)] says (0: none, 1: the do-not-call answer,
    2: no consent, 3: no consent and every register's other answer, 4: no consent and listed yesterday
    everywhere, 5: the roaming state, 6: a last use long ago, 7: no attempts): rows in the same place,
    and in different places, with inputs alike and unlike."""
    g = _twice(_twice(f))
    n = len(g.numbers)
    v = [variants[r % len(variants)] for r in range(n)]
    yesterday = (at.date() - date(1970, 1, 1)).days - 1
    registers = tuple(
        (name, as_of, tuple(v[r] == 4 or (member[0] != (v[r] == 3)) for r in range(n)),
         tuple(yesterday if v[r] == 4 else listed[0] for r in range(n)))
        for name, as_of, member, listed in g.registers
    )  # fmt: skip
    return replace(
        g,
        dnc=tuple(d != (v[r] == 1) for r, d in enumerate(g.dnc)),
        consents=tuple(c for c in g.consents if v[c[0]] not in (2, 3, 4)),
        attempts=tuple(a for a in g.attempts if v[a[0]] != 7),
        registers=registers,
        roaming=tuple(4 if v[r] == 5 else x for r, x in enumerate(g.roaming)),
    ), v


@_settings(200)
@given(situations(), st.lists(st.integers(0, 7), min_size=1, max_size=8))
def test_rows_with_the_same_inputs_share_one_evaluation(situation: tuple[Facts, datetime], variants) -> None:
    """Scrub evaluates one row of each distinct input and gives its answer to the others: every row
    must get what evaluating the whole frame gives it."""
    f, at = situation
    facts, v = _varied(f, variants, at)
    frame = frame_of(facts, at)
    long_ago = np.array([x == 6 for x in v]) & (frame.attempts.last_use == 0)
    frame.attempts.last_use[long_ago] = int(at.timestamp()) - 3 * 365 * DAY
    if not f.attempts and variants == [0]:  # four copies of each number alike
        assert alike_rows(frame) is not None
    alike = alike_rows(frame, worth=1)  # share whatever is alike
    assert alike is not None
    first, inverse = alike
    whole = evaluate(frame, PACKS)
    shared = evaluate(frame.take(first), PACKS)
    for row in range(frame.n):
        one = int(inverse[row])
        assert bool(shared.block[one]) == bool(whole.block[row]), (facts.numbers[row], v[row])
        assert shared.reasons_of(one) == whole.reasons_of(row), (facts.numbers[row], v[row])
        assert int(shared.next_allowed[one]) == int(whole.next_allowed[row]), (facts.numbers[row], v[row])


def test_every_input_of_a_row_is_compared_or_keeps_the_row_alone():
    """A field added to the frame must be added to alike.input_columns (or keep its rows alone)."""
    per_row = {f.name for f in fields(Frame)} - {"at", "at_s", "today", "campaign", "caller", "vendor",
                                                  "groups", "roaming_fail_open"}  # fmt: skip
    compared = {
        "valid",
        "mobile",
        "group",
        "dnc",
        "roaming",
        "consent",
        "registers",
        "attempts",
        "roaming_errors",
    }
    assert per_row - {"key", "texts"} == compared  # the number itself is what sharing sets aside
    assert {f.name for f in fields(RegisterColumns)} == {"name", "snapshot", "member", "listed_on"}
    assert {f.name for f in fields(AttemptColumns)} == {"offsets", "at", "same_campaign", "same_purpose",
                                                        "refused", "last_use"}  # fmt: skip


def test_a_row_that_differs_in_any_input_is_not_shared():
    """Four rows alike, then one input of the first changed: it must stand apart from the other three."""
    at = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    base = frame_of(_twice(_twice(_tidy("+48451000100", at))), at)
    assert alike_rows(base, worth=1)[1].tolist() == [0, 0, 0, 0]  # type: ignore[index]

    def changed(change) -> Frame:
        frame = base.take(np.arange(4))  # copies every column
        change(frame)
        return frame

    def flip(column) -> None:
        column[0] = not column[0] if column.dtype == bool else column[0] ^ 1

    def attempt(f: Frame) -> None:
        f.attempts = replace(f.attempts, offsets=np.array([0, 1, 1, 1, 1]), at=np.array([f.at_s - DAY]),
                             same_campaign=np.ones(1, bool), same_purpose=np.ones(1, bool),
                             refused=np.zeros(1, bool))  # fmt: skip

    register = next(iter(base.registers))
    changes = {
        "valid": lambda f: flip(f.valid),
        "mobile": lambda f: flip(f.mobile),
        "group": lambda f: f.group.__setitem__(0, 0),
        "dnc": lambda f: flip(f.dnc),
        "roaming": lambda f: f.roaming.__setitem__(0, 3),
        "member": lambda f: flip(f.registers[register].member),
        "listed_on": lambda f: f.registers[register].listed_on.__setitem__(0, 20000),
        "last_use": lambda f: f.attempts.last_use.__setitem__(0, f.at_s - 400 * DAY),
        "attempts": attempt,
        "roaming_errors": lambda f: setattr(f, "roaming_errors", ["timeout", None, None, None]),
    }
    for name in (f.name for f in fields(ConsentColumns)):
        changes[f"consent.{name}"] = lambda f, name=name: flip(getattr(f.consent, name))
    for name, change in changes.items():
        alike = alike_rows(changed(change), worth=1)
        assert alike is not None, name
        assert alike[1][0] != alike[1][1] and len(set(alike[1][1:].tolist())) == 1, name
