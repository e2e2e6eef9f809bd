"""Rule builders shared by the packs: consent, registers, windows, caps, cooling-off, caller ID, roaming.

Each builder returns a Rule whose check works on whole columns, so a batch of 10,000 numbers costs a
handful of array operations per rule, and, as `one`, the same rule on a single check's one row in plain
Python, where numpy's cost per call exceeded the work. test_engine_properties holds the two together.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal, Protocol

import numpy as np

from dialgate.domain import registry
from dialgate.domain.calendar import WindowRule, add_months
from dialgate.domain.campaign import Campaign
from dialgate.domain.decision import ReasonCode as R
from dialgate.domain.registry import NO_DATE, SnapshotInfo
from dialgate.domain.rules.base import (
    COMMERCIAL,
    EVERY_PARTY,
    EVERY_PURPOSE,
    NOTHING,
    Finding,
    Firmness,
    Hit,
    OneOutcome,
    Outcome,
    Rule,
)
from dialgate.domain.rules.frame import (
    GRANTED,
    NEVER,
    NONE,
    REVOKED,
    ROAM_NOT_NEEDED,
    ROAM_OUTSIDE,
    ROAM_UNKNOWN,
    Bools,
    Frame,
    Group,
    Ints,
    RegisterColumns,
)
from dialgate.domain.timeutil import zone_info
from dialgate.domain.vocabulary import Party, Purpose
from dialgate.domain.windows import Span, WeeklyWindows

DAY = 86400
BASIS_NAMES = {0: "express consent", 1: "a contract", 2: "an inquiry"}


def _day_start(day: date) -> int:
    return int(datetime.combine(day, time(), tzinfo=zone_info("UTC")).timestamp())


_EPOCH = date(1970, 1, 1)


def _callee_days(f: Frame) -> Ints:
    """Per row, the day (since 1970) a register's age and a listing's delay are counted on: the later of
    the UTC date and the callee's date in each of its zones. A list "valid 15 days" is stale, and a TPS
    listing "28 days before the day of the call" binds, as soon as the callee's calendar says so."""
    utc = (f.today - _EPOCH).days
    per_group = np.array(
        [
            max([utc, *((f.at.astimezone(zone_info(z)).date() - _EPOCH).days for z in g.zones)])
            for g in f.groups
        ],
        dtype=np.int64,
    )
    return per_group[f.group] if f.n else np.zeros(0, np.int64)


def _callee_day(f: Frame, group: Group) -> int:
    """_callee_days of one row."""
    return max(
        [
            (f.today - _EPOCH).days,
            *((f.at.astimezone(zone_info(z)).date() - _EPOCH).days for z in group.zones),
        ]
    )


@lru_cache(maxsize=4096)
def _first_instant_of(day: int, zones: tuple[str, ...]) -> int:
    """The first instant at which the UTC date or the date in one of `zones` is `day` or later."""
    d = _EPOCH + timedelta(days=day)
    return min(
        [_day_start(d), *(int(datetime.combine(d, time(), tzinfo=zone_info(z)).timestamp()) for z in zones)]
    )


def _day_starts(f: Frame, days: Ints, rows: Bools) -> Ints:
    """For the selected rows, _first_instant_of(their day, their zones); NEVER elsewhere (one zone
    lookup per distinct day and group, so a batch costs a sort, not a loop over its rows)."""
    out = np.full(f.n, NEVER, dtype=np.int64)
    sel = np.flatnonzero(rows)
    if sel.size == 0:
        return out
    keys = days[sel].astype(np.int64) * (1 << 20) + f.group[sel].astype(np.int64)
    uniq, inverse = np.unique(keys, return_inverse=True)
    starts = np.array(
        [_first_instant_of(int(k) >> 20, f.groups[int(k) & ((1 << 20) - 1)].zones) for k in uniq],
        dtype=np.int64,
    )
    out[sel] = starts[inverse.ravel()]
    return out


_REVOKED = "The person revoked consent to calls from this brand; a revocation takes effect at once."
_REVOKED_HIT: OneOutcome = (((R.CONSENT_REVOKED, _REVOKED, None),), None)


def revoked(law: str) -> Rule:
    def check(f: Frame) -> Outcome:
        return Outcome([Finding(R.CONSENT_REVOKED, f.consent.status == REVOKED, _REVOKED)])

    def one(f: Frame) -> OneOutcome:
        return _REVOKED_HIT if f.consent.status[0] == REVOKED else NOTHING

    return Rule("revoked", law, (R.CONSENT_REVOKED,), "A revocation (or an in-call refusal) blocks at once.",
                check=check, purposes=EVERY_PURPOSE, one=one)  # fmt: skip


_LISTED = "The number is on the brand's own do-not-call list."
_LISTED_HIT: OneOutcome = (((R.INTERNAL_DNC, _LISTED, None),), None)


def internal_dnc(law: str) -> Rule:
    def check(f: Frame) -> Outcome:
        return Outcome([Finding(R.INTERNAL_DNC, f.dnc.copy(), _LISTED)])

    def one(f: Frame) -> OneOutcome:
        return _LISTED_HIT if f.dnc[0] else NOTHING

    return Rule("internal-dnc", law, (R.INTERNAL_DNC,), "The brand's own do-not-call list blocks at once.",
                check=check, purposes=EVERY_PURPOSE, one=one)  # fmt: skip


_ACCEPTS: dict[frozenset[int], Bools] = {}


def accepts(bases: Collection[int]) -> Bools:
    """A lookup table over basis codes (cheaper than np.isin on the small arrays of a single check).
    Shared and read-only: a pack names few sets of bases."""
    key = frozenset(bases)
    table = _ACCEPTS.get(key)
    if table is None:
        table = np.zeros(3, dtype=bool)
        table[list(key)] = True
        table.flags.writeable = False
        table = _ACCEPTS.setdefault(key, table)
    return table


Lifetime = Callable[[Ints], Ints]  # from the instant a consent counts from, to the instant it stops counting


def days(n: int) -> Lifetime:
    return lambda t: t + n * DAY


def months(n: int) -> Lifetime:
    return lambda t: add_months(t, n)


def consent_state(
    f: Frame,
    bases: Collection[int],
    lifetimes: dict[int, Lifetime] | None = None,
    from_last_use: bool = False,
) -> tuple[Bools, Bools, Ints]:
    """(valid, expired, valid_until) of the governing consent for the accepted bases.

    `lifetimes` limit what a basis is worth (a US inquiry counts 3 months); with from_last_use the clock
    restarts at each call (Germany's retention duty runs from the grant and from every use). A consent
    counts only from the instant it was captured: a check `--at` an earlier instant cannot lean on it.
    """
    c = f.consent
    if f.n == 1:
        valid1, expired1, until1 = consent_state_one(f, bases, lifetimes, from_last_use)
        return np.array([valid1]), np.array([expired1]), np.array([until1], dtype=np.int64)
    usable = (c.status == GRANTED) & accepts(bases)[c.basis] & (c.captured <= f.at_s)
    until = c.expires
    for basis, lifetime in (lifetimes or {}).items():
        rows = np.flatnonzero(usable & (c.basis == basis))  # calendar arithmetic only where it matters
        if rows.size:
            start = c.captured[rows]
            if from_last_use:
                start = np.maximum(start, f.attempts.last_use[rows])
            until = until.copy() if until is c.expires else until  # the frame's columns are never written
            until[rows] = np.minimum(until[rows], lifetime(start))
    valid = usable & (f.at_s < until)
    return valid, usable & ~valid, np.where(valid, until, NEVER)


def consent_state_one(
    f: Frame,
    bases: Collection[int],
    lifetimes: dict[int, Lifetime] | None = None,
    from_last_use: bool = False,
) -> tuple[bool, bool, int]:
    """consent_state of a single check's one row, in plain Python (a dozen numpy calls cost more than
    the arithmetic); test_engine_properties holds it to the column form."""
    c = f.consent
    basis, captured, until = int(c.basis[0]), int(c.captured[0]), int(c.expires[0])
    usable = int(c.status[0]) == GRANTED and bool(accepts(bases)[basis]) and captured <= f.at_s
    lifetime = (lifetimes or {}).get(basis)
    if usable and lifetime is not None:
        start = max(captured, int(f.attempts.last_use[0])) if from_last_use else captured
        until = min(until, int(lifetime(np.array([start], dtype=np.int64))[0]))
    valid = usable and f.at_s < until
    return valid, usable and not valid, until if valid else NEVER


def consent_required(
    rule_id: str,
    law: str,
    summary: str,
    *,
    bases: Collection[int],
    need: str,
    lifetimes: dict[int, Lifetime] | None = None,
    from_last_use: bool = False,
    evidence: bool = False,
    parties: frozenset[Party] = EVERY_PARTY,
    purposes: frozenset[Purpose] = COMMERCIAL,
    firmness: Firmness = "V",
    effective_from: date | None = None,
    effective_until: date | None = None,
) -> Rule:
    """Opt-in: the call needs a granted consent of an accepted basis (revocations are the revoked rule's)."""

    refuses = ~accepts(bases)
    absent_text = f"There is no {need} on record for this brand, channel and purpose."
    expired_text = "The consent on record is no longer valid (its own expiry or the time a consent of its basis counts has passed)."
    no_evidence_text = "The consent on record has no evidence (file or URI), so it cannot be relied on."

    def check(f: Frame) -> Outcome:
        c = f.consent
        valid, expired, until = consent_state(f, bases, lifetimes, from_last_use)
        later = c.captured > f.at_s  # given after the instant checked: it cannot justify that call
        absent = (c.status == NONE) | ((c.status == GRANTED) & (refuses[c.basis] | later))
        findings = [
            Finding(R.NO_CONSENT, absent, absent_text),
            Finding(R.CONSENT_EXPIRED, expired, expired_text),
        ]
        if evidence:
            findings.append(Finding(R.NO_CONSENT, valid & ~c.evidence, no_evidence_text))
        return Outcome(findings, valid_until=until)

    def one(f: Frame) -> OneOutcome:
        c = f.consent
        valid, expired, until = consent_state_one(f, bases, lifetimes, from_last_use)
        status = c.status[0]
        hits: list[Hit] = []
        if status == NONE or (status == GRANTED and (refuses[c.basis[0]] or c.captured[0] > f.at_s)):
            hits.append((R.NO_CONSENT, absent_text, None))
        if expired:
            hits.append((R.CONSENT_EXPIRED, expired_text, None))
        if evidence and valid and not c.evidence[0]:
            hits.append((R.NO_CONSENT, no_evidence_text, None))
        return hits, until

    return Rule(rule_id, law, (R.NO_CONSENT, R.CONSENT_EXPIRED), summary, firmness, check, None, purposes, parties,
                effective_from, effective_until, one=one)  # fmt: skip


class Override(Protocol):
    """What lets a listed number be called anyway: per row, allowed or not and until when (NEVER when
    not allowed). `one` is the same for a single check's one row, in plain Python."""

    def __call__(self, f: Frame, reg: RegisterColumns) -> tuple[Bools, Ints]: ...

    def one(self, f: Frame, reg: RegisterColumns) -> tuple[bool, int]: ...


class Exempt(Protocol):
    """What spares a row from consulting a register at all: per row, spared or not and until when."""

    def __call__(self, f: Frame) -> tuple[Bools, Ints]: ...

    def one(self, f: Frame) -> tuple[bool, int]: ...


def consent_overrides(
    bases: Collection[int], lifetimes: dict[int, Lifetime] | None = None, after_listing: bool = False
) -> Override:
    return ConsentOverride(bases, lifetimes, after_listing)


def consent_exempts(bases: Collection[int], lifetimes: dict[int, Lifetime] | None = None) -> Exempt:
    return ConsentExempt(bases, lifetimes)


class ConsentOverride:
    """A register hit is overridden by a valid consent (given after the listing, where the law says so).

    "After the listing" means on a later day than the listing date (or, without listing dates, than the
    snapshot's as-of date): a consent given on the listing day itself may have preceded the registration
    that wiped it, so it is not relied on.
    """

    def __init__(
        self,
        bases: Collection[int],
        lifetimes: dict[int, Lifetime] | None = None,
        after_listing: bool = False,
    ) -> None:
        self.bases, self.lifetimes, self.after_listing = bases, lifetimes, after_listing

    def __call__(self, f: Frame, reg: RegisterColumns) -> tuple[Bools, Ints]:
        valid, _, until = consent_state(f, self.bases, self.lifetimes)
        if self.after_listing:
            listed = np.where(reg.listed_on == NO_DATE, _as_of_day(reg), reg.listed_on).astype(np.int64)
            valid = valid & (f.consent.captured >= (listed + 1) * DAY)
        return valid, np.where(valid, until, NEVER)

    def one(self, f: Frame, reg: RegisterColumns) -> tuple[bool, int]:
        valid, _, until = consent_state_one(f, self.bases, self.lifetimes)
        if valid and self.after_listing:
            listed_on = int(reg.listed_on[0])
            listed = _as_of_day(reg) if listed_on == NO_DATE else listed_on
            valid = int(f.consent.captured[0]) >= (listed + 1) * DAY
        return valid, until if valid else NEVER


class EitherOverride:
    """Allowed when either override allows; until when the first that allows says."""

    def __init__(self, first: Override, second: Override) -> None:
        self.first, self.second = first, second

    def __call__(self, f: Frame, reg: RegisterColumns) -> tuple[Bools, Ints]:
        a, a_until = self.first(f, reg)
        b, b_until = self.second(f, reg)
        return a | b, np.where(a, a_until, b_until)

    def one(self, f: Frame, reg: RegisterColumns) -> tuple[bool, int]:
        a, a_until = self.first.one(f, reg)
        return (a, a_until) if a else self.second.one(f, reg)


class ConsentExempt:
    """Rows with a valid consent of these bases need not consult the register at all."""

    def __init__(self, bases: Collection[int], lifetimes: dict[int, Lifetime] | None = None) -> None:
        self.bases, self.lifetimes = bases, lifetimes

    def __call__(self, f: Frame) -> tuple[Bools, Ints]:
        valid, _, until = consent_state(f, self.bases, self.lifetimes)
        return valid, until

    def one(self, f: Frame) -> tuple[bool, int]:
        valid, _, until = consent_state_one(f, self.bases, self.lifetimes)
        return valid, until


def _as_of_day(reg: RegisterColumns) -> int:
    assert reg.snapshot is not None
    return (reg.snapshot.as_of - date(1970, 1, 1)).days


def register_rule(
    rule_id: str,
    register: str,
    law: str,
    summary: str,
    *,
    max_age_days: int | Literal["register"] | None = "register",
    label: str,
    override: Override | None = None,
    exempt: Exempt | None = None,
    binding_after_days: int = 0,
    optional: bool = False,
    parties: frozenset[Party] = EVERY_PARTY,
    purposes: frozenset[Purpose] = COMMERCIAL,
    firmness: Firmness = "V",
    effective_from: date | None = None,
    effective_until: date | None = None,
    override_text: str = "",
) -> Rule:
    """An opt-out register: required (missing/stale blocks everything) or optional (used when loaded)."""

    # the ages live in domain.registry.KNOWN_REGISTERS; a pack passes None only to never go stale
    max_age = registry.max_age_days(register) if max_age_days == "register" else max_age_days

    missing_text = f"{label} ({register}) must be checked before calling and no snapshot of it is loaded."
    delay = (
        f", counting a listing from {binding_after_days} days after its date" if binding_after_days else ""
    )

    def stale_text(snap: SnapshotInfo, age: int) -> str:
        return (f"The {register} snapshot is {age} days old (as of {snap.as_of}, counted in the callee's days); "
                f"calls need one at most {max_age} days old.")  # fmt: skip

    def listed_text(snap: SnapshotInfo) -> str:
        return f"The number is on {label} ({register}, snapshot as of {snap.as_of}{delay}){override_text}."

    def check(f: Frame) -> Outcome:
        reg = f.registers.get(register)
        snap = reg.snapshot if reg is not None else None
        every = np.ones(f.n, dtype=bool)
        exempt_until = np.full(f.n, NEVER, dtype=np.int64)
        if exempt is not None:
            spared, exempt_until = exempt(f)
            every = ~spared
        if reg is None or snap is None:
            if optional:
                return Outcome()
            return Outcome([Finding(R.REGISTRY_MISSING, every, missing_text)])
        findings: list[Finding] = []
        until = np.full(f.n, NEVER, dtype=np.int64)
        today = _callee_days(f)
        if max_age is not None:
            as_of = (snap.as_of - _EPOCH).days
            ages = today - as_of
            stale = ages > max_age
            for age in np.unique(ages[stale]).tolist():  # callees' days differ: each row its own age
                findings.append(Finding(R.REGISTRY_STALE, every & (ages == age), stale_text(snap, age)))
            horizon = as_of + max_age + 1
            per_group = np.array([_first_instant_of(horizon, g.zones) for g in f.groups], dtype=np.int64)
            until = np.where(stale, NEVER, per_group[f.group] if f.n else until)
        binding_from = np.where(
            reg.listed_on == NO_DATE, 0, reg.listed_on.astype(np.int64) + binding_after_days
        )
        binding = reg.member & (binding_from <= today)
        pending = reg.member & ~binding
        until = np.minimum(until, _day_starts(f, binding_from, pending))
        hit = binding & every
        if override is not None:
            allowed, allowed_until = override(f, reg)
            hit = hit & ~allowed
            until = np.where(reg.member & allowed, np.minimum(until, allowed_until), until)
        until = np.where(every, until, exempt_until)
        findings.append(Finding(R.NATIONAL_REGISTRY, hit, listed_text(snap)))
        return Outcome(findings, valid_until=until)

    def one(f: Frame) -> OneOutcome:
        reg = f.registers.get(register)
        snap = reg.snapshot if reg is not None else None
        every, exempt_until = True, NEVER
        if exempt is not None:
            spared, exempt_until = exempt.one(f)
            every = not spared
        if reg is None or snap is None:
            if optional:
                return NOTHING
            return ([(R.REGISTRY_MISSING, missing_text, None)] if every else []), None
        hits: list[Hit] = []
        until = NEVER
        group = f.group0
        today = _callee_day(f, group)
        if max_age is not None:
            as_of = (snap.as_of - _EPOCH).days
            if today - as_of > max_age:
                if every:
                    hits.append((R.REGISTRY_STALE, stale_text(snap, today - as_of), None))
            else:
                until = _first_instant_of(as_of + max_age + 1, group.zones)
        member, listed_on = bool(reg.member[0]), int(reg.listed_on[0])
        binding_from = 0 if listed_on == NO_DATE else listed_on + binding_after_days
        binding = member and binding_from <= today
        if member and not binding:
            until = min(until, _first_instant_of(binding_from, group.zones))
        hit = binding and every
        if override is not None and member:  # what the override says matters only for a listed number
            allowed, allowed_until = override.one(f, reg)
            if allowed:
                hit = False
                until = min(until, allowed_until)
        if hit:
            hits.append((R.NATIONAL_REGISTRY, listed_text(snap), None))
        return hits, until if every else exempt_until

    codes = (
        (R.NATIONAL_REGISTRY,) if optional else (R.NATIONAL_REGISTRY, R.REGISTRY_MISSING, R.REGISTRY_STALE)
    )
    if optional and max_age is not None:
        codes = (*codes, R.REGISTRY_STALE)
    return Rule(rule_id, law, codes, summary, firmness, check, None, purposes, parties, effective_from,
                effective_until, (register,), one)  # fmt: skip


def number_subdivision(group: Group) -> str | None:
    """A window rule's `subdiv` where the holidays are those of the subdivision the number tells (US or
    Brazilian state, Spanish autonomous community; numbering.subdivision_of)."""
    return group.subdivision


def window_rule(
    rule_id: str,
    law: str,
    summary: str,
    *,
    windows: WeeklyWindows | Callable[[Group], WeeklyWindows | None],
    holidays: bool,
    country: str,
    subdiv: Callable[[Group], str | None] = lambda _g: None,
    pre_holiday: tuple[Span, ...] | None = None,
    when: Callable[[Group, Campaign], bool] = lambda _g, _c: True,
    parties: frozenset[Party] = EVERY_PARTY,
    purposes: frozenset[Purpose] = COMMERCIAL,
    firmness: Firmness = "V",
    effective_from: date | None = None,
    effective_until: date | None = None,
) -> Rule:
    def window(group: Group, campaign: Campaign) -> WindowRule | None:
        weekly = windows(group) if callable(windows) else windows
        if weekly is None or not when(group, campaign):
            return None
        return WindowRule(
            weekly, holidays, country, subdiv(group) if holidays or pre_holiday else None, pre_holiday
        )

    return Rule(rule_id, law, (R.OUTSIDE_CALLING_HOURS, R.PUBLIC_HOLIDAY), summary, firmness, None, window,
                purposes, parties, effective_from, effective_until)  # fmt: skip


def attempt_cap(
    rule_id: str,
    law: str,
    summary: str,
    *,
    count: int,
    seconds: int,
    scope: str,
    label: str,
    where: Callable[[Group], bool] | None = None,
    parties: frozenset[Party] = EVERY_PARTY,
    purposes: frozenset[Purpose] = COMMERCIAL,
    firmness: Firmness = "V",
    effective_from: date | None = None,
    effective_until: date | None = None,
) -> Rule:
    """At most `count` attempts in any `seconds`; scope: brand, purpose (same subject) or campaign."""
    msg = f"{label}: this would exceed {count} attempt{'s' * (count > 1)} in {_span(seconds)}."

    def check(f: Frame) -> Outcome:
        a = f.attempts
        if a.at.size < count:  # not enough attempts anywhere in the frame to reach the cap
            return Outcome([Finding(R.FREQUENCY_CAP, np.zeros(f.n, dtype=bool), msg)])
        owner = a.owner
        sel = (a.at > f.at_s - seconds) & (a.at <= f.at_s)
        if scope == "purpose":
            sel &= a.same_purpose
        elif scope == "campaign":
            sel &= a.same_campaign
        if where is not None:
            ok_groups = np.array([where(g) for g in f.groups], dtype=bool)
            rows_ok = ok_groups[f.group] if f.n else np.zeros(0, bool)
            sel &= rows_ok[owner] if owner.size else sel
        k = np.bincount(owner[sel], minlength=f.n)
        blocked = k >= count
        clears = np.full(f.n, NEVER, dtype=np.int64)
        if blocked.any():
            chosen = np.flatnonzero(sel)
            rows = owner[chosen]
            first = np.concatenate([[0], np.cumsum(k)])[:-1]
            rank = np.arange(chosen.size) - first[rows]
            pick = rank == (k[rows] - count)
            clears[rows[pick]] = a.at[chosen[pick]] + seconds
        return Outcome([Finding(R.FREQUENCY_CAP, blocked, msg, clears_at=clears)])

    def one(f: Frame) -> OneOutcome:
        a = f.attempts
        if a.at.size < count or (where is not None and not where(f.group0)):
            return NOTHING
        scoped = a.same_purpose if scope == "purpose" else a.same_campaign if scope == "campaign" else None
        lo, at_s = f.at_s - seconds, f.at_s
        times = a.at.tolist()  # ascending: the row's attempts in order
        inside = [t for i, t in enumerate(times) if lo < t <= at_s and (scoped is None or scoped[i])]
        if len(inside) < count:
            return NOTHING
        # the cap lets go when the attempt `count` places from the end leaves the window
        return [(R.FREQUENCY_CAP, msg, inside[len(inside) - count] + seconds)], None

    return Rule(rule_id, law, (R.FREQUENCY_CAP,), summary, firmness, check, None, purposes, parties, effective_from,
                effective_until, one=one)  # fmt: skip


def _span(seconds: int) -> str:
    return f"{seconds // 3600} hours" if seconds < 2 * DAY else f"{seconds // DAY} days"


def cooling_off(
    rule_id: str,
    law: str,
    summary: str,
    *,
    days: int,
    label: str,
    parties: frozenset[Party] = EVERY_PARTY,
    purposes: frozenset[Purpose] = COMMERCIAL,
    firmness: Firmness = "V",
    effective_from: date | None = None,
    effective_until: date | None = None,
) -> Rule:
    """No call for `days` full calendar days (callee's time) after the day of a refusal."""
    msg = f"{label}: no call for {days} days after a refusal."

    def check(f: Frame) -> Outcome:
        a = f.attempts
        if not a.refused.any():
            return Outcome([Finding(R.COOLING_OFF, np.zeros(f.n, dtype=bool), msg)])
        sel = a.refused & (a.at <= f.at_s) & (a.at > f.at_s - (days + 2) * DAY)
        last = np.zeros(f.n, dtype=np.int64)
        np.maximum.at(last, a.owner[sel], a.at[sel])
        clears = np.full(f.n, NEVER, dtype=np.int64)
        for i in np.flatnonzero(last):
            zones = f.groups[int(f.group[i])].zones
            clears[i] = max(_midnight_after(int(last[i]), z, days) for z in zones)
        blocked = (last > 0) & (f.at_s < clears)
        return Outcome([Finding(R.COOLING_OFF, blocked, msg, clears_at=clears)])

    def one(f: Frame) -> OneOutcome:
        a = f.attempts
        if not a.refused.any():
            return NOTHING
        lo, at_s = f.at_s - (days + 2) * DAY, f.at_s
        refusals = [
            t
            for t, refused in zip(a.at.tolist(), a.refused.tolist(), strict=True)
            if refused and lo < t <= at_s
        ]
        last = max(refusals, default=0)
        if not last:
            return NOTHING
        clears = max(_midnight_after(last, z, days) for z in f.group0.zones)
        return ([(R.COOLING_OFF, msg, clears)] if at_s < clears else []), None

    return Rule(rule_id, law, (R.COOLING_OFF,), summary, firmness, check, None, purposes, parties, effective_from,
                effective_until, one=one)  # fmt: skip


def _midnight_after(instant: int, zone: str, days: int) -> int:
    tz = zone_info(zone)
    day = datetime.fromtimestamp(instant, tz).date() + timedelta(days=days + 1)
    return int(datetime.combine(day, time(), tzinfo=tz).timestamp())


def caller_id_rule(
    rule_id: str,
    law: str,
    summary: str,
    *,
    present: bool = True,
    valid: bool = False,
    permitted: Callable[[str, Campaign], bool] | None = None,
    not_permitted_text: str = "",
    withheld_not_permitted: bool = False,
    parties: frozenset[Party] = EVERY_PARTY,
    purposes: frozenset[Purpose] = COMMERCIAL,
    firmness: Firmness = "V",
    effective_from: date | None = None,
    effective_until: date | None = None,
) -> Rule:
    """The caller ID is a campaign-level fact: each finding covers every row or none."""
    codes = []
    if present:
        codes.append(R.CALLER_ID_MISSING)
    if valid:
        codes.append(R.CALLER_ID_INVALID)
    if permitted is not None:
        codes.append(R.CALLER_ID_NOT_PERMITTED)

    def problem(f: Frame) -> tuple[R, str] | None:
        caller = f.caller
        if caller.withheld:
            if present:
                return R.CALLER_ID_MISSING, "The caller ID is withheld; the law requires it to be shown."
            if permitted is not None and withheld_not_permitted:
                return R.CALLER_ID_NOT_PERMITTED, f"The caller ID is withheld; {not_permitted_text}"
            return None
        if caller.number is None:
            if valid:
                return (
                    R.CALLER_ID_INVALID,
                    f"The caller ID '{caller.raw}' is not a valid number the callee could call back.",
                )
            if permitted is not None and withheld_not_permitted:
                return (
                    R.CALLER_ID_NOT_PERMITTED,
                    f"The caller ID '{caller.raw}' is not a valid number; {not_permitted_text}",
                )
            return None
        if permitted is not None and not permitted(caller.number.e164, f.campaign):
            return (
                R.CALLER_ID_NOT_PERMITTED,
                f"The caller ID {caller.number.e164} is not permitted: {not_permitted_text}",
            )
        return None

    def check(f: Frame) -> Outcome:
        found = problem(f)
        return Outcome([Finding(found[0], np.ones(f.n, dtype=bool), found[1])]) if found else Outcome()

    def one(f: Frame) -> OneOutcome:
        found = problem(f)
        return ([(found[0], found[1], None)], None) if found else NOTHING

    return Rule(rule_id, law, tuple(codes), summary, firmness, check, None, purposes, parties, effective_from,
                effective_until, one=one)  # fmt: skip


def roaming_rule(rule_id: str, law: str, summary: str, *, firmness: Firmness = "S",
                 purposes: frozenset[Purpose] = COMMERCIAL, parties: frozenset[Party] = EVERY_PARTY) -> Rule:  # fmt: skip
    """Mobile callees roaming where receiving a call costs them money; unknown status fails closed."""

    def check(f: Frame) -> Outcome:
        mobile = f.mobile
        outside = mobile & (f.roaming == ROAM_OUTSIDE)
        unknown = mobile & ((f.roaming == ROAM_UNKNOWN) | (f.roaming == ROAM_NOT_NEEDED))
        findings = [Finding(R.ROAMING, outside, _ROAMING)]
        if not f.roaming_fail_open:
            findings.append(Finding(R.ROAMING_UNKNOWN, unknown, _ROAMING_UNKNOWN))
        return Outcome(findings)

    def one(f: Frame) -> OneOutcome:
        if not f.mobile[0]:
            return NOTHING
        state = f.roaming[0]
        if state == ROAM_OUTSIDE:
            return [(R.ROAMING, _ROAMING, None)], None
        if not f.roaming_fail_open and state in (ROAM_UNKNOWN, ROAM_NOT_NEEDED):
            return [(R.ROAMING_UNKNOWN, _ROAMING_UNKNOWN, None)], None
        return NOTHING

    return Rule(rule_id, law, (R.ROAMING, R.ROAMING_UNKNOWN), summary, firmness, check, None, purposes, parties,
                one=one)  # fmt: skip


_ROAMING = ("The callee is roaming outside the EU/EEA, where receiving the call costs them money; "
            "dialgate retries the lookup once its cached answer expires.")  # fmt: skip
_ROAMING_UNKNOWN = (
    "The roaming status could not be determined, and dialgate is set to fail closed (block) in that case."
)
