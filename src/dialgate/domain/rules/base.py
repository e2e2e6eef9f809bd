"""Rules and packs: data plus small functions. Each rule carries its id, citation, firmness and dates.

A rule either judges rows (`check`, returning findings) or contributes a calling window (`window`,
returning a WindowRule for a group of rows); the engine turns windows into findings and into the next
lawful instant, because every window must be open at the same moment.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Literal

import numpy as np

from dialgate.domain.calendar import WindowRule
from dialgate.domain.campaign import Campaign
from dialgate.domain.decision import ReasonCode
from dialgate.domain.rules.frame import Bools, Frame, Group, Ints
from dialgate.domain.timeutil import zone_info
from dialgate.domain.vocabulary import Party, Purpose
from dialgate.errors import DialgateError

Firmness = Literal["V", "S", "U"]  # primary text / secondary source / unverified (research/rules.md)

COMMERCIAL = frozenset({Purpose.MARKETING, Purpose.SALES, Purpose.CONSENT_REQUEST})
EVERY_PURPOSE = frozenset(Purpose)
EVERY_PARTY = frozenset(Party)
CONSUMERS = frozenset({Party.CONSUMER})
BUSINESSES = frozenset({Party.BUSINESS})


@dataclass
class Finding:
    """Rows a rule blocks, with one code and a message (optionally one per group of rows)."""

    code: ReasonCode
    rows: Bools
    message: str
    group_messages: dict[int, str] | None = None
    clears_at: Ints | None = None  # FREQUENCY_CAP / COOLING_OFF: when waiting alone clears it


@dataclass
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    # Per row: the instant from which this rule would start to block if nothing else changed
    # (a snapshot going stale, a consent expiring). NEVER where it never will.
    valid_until: Ints | None = None


Check = Callable[[Frame], Outcome]
Window = Callable[[Group, Campaign], WindowRule | None]

# The single check's form of a check: what it finds on a one-row frame, in plain Python (numpy's per-call
# cost on one-element arrays was most of a rule's time there). Each hit is (code, message, clears_at), the
# clearing instant given for FREQUENCY_CAP and COOLING_OFF as Finding.clears_at; the second part is the
# row's Outcome.valid_until (None: the rule sets none). test_engine_properties holds it to `check`.
Hit = tuple[ReasonCode, str, int | None]
OneOutcome = tuple[Sequence[Hit], int | None]
OneCheck = Callable[[Frame], OneOutcome]
NOTHING: OneOutcome = ((), None)


@dataclass(frozen=True)
class Rule:
    id: str
    law: str
    codes: tuple[ReasonCode, ...]
    summary: str
    firmness: Firmness = "V"
    check: Check | None = None
    window: Window | None = None
    purposes: frozenset[Purpose] = COMMERCIAL
    parties: frozenset[Party] = EVERY_PARTY
    effective_from: date | None = None
    effective_until: date | None = None  # inclusive
    registers: tuple[str, ...] = ()  # the register snapshots its check reads
    one: OneCheck | None = None  # `check` on a one-row frame, in plain Python; None: `check` serves it

    def in_force(self, day: date) -> bool:
        return (self.effective_from is None or day >= self.effective_from) and (
            self.effective_until is None or day <= self.effective_until
        )

    def applies(self, campaign: Campaign, day: date) -> bool:
        return campaign.purpose in self.purposes and campaign.party in self.parties and self.in_force(day)


@dataclass(frozen=True, eq=False)
class Pack:
    country: str
    name: str
    version: str
    legal_zone: (
        str  # where the law's dates are read (a rule in force "from 2026-08-11" starts at local midnight)
    )
    rules: tuple[Rule, ...]
    notes: tuple[str, ...] = ()

    @property
    def registers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for rule in self.rules for name in rule.registers))

    def legal_day(self, at: datetime) -> date:
        return at.astimezone(zone_info(self.legal_zone)).date()

    def next_change_after(self, at: datetime) -> int | None:
        """The next instant a rule of this pack enters or leaves force, as epoch seconds."""
        i = bisect.bisect_right(self._edges, at.timestamp())  # the edges are sorted whole seconds
        return self._edges[i] if i < len(self._edges) else None

    @functools.cached_property
    def _edges(self) -> tuple[int, ...]:
        tz = zone_info(self.legal_zone)
        days = [r.effective_from for r in self.rules if r.effective_from is not None]
        days += [
            date.fromordinal(r.effective_until.toordinal() + 1)
            for r in self.rules
            if r.effective_until is not None
        ]
        return tuple(sorted(int(datetime.combine(d, time(), tzinfo=tz).timestamp()) for d in days))


class PackError(DialgateError):
    code = "invalid_pack"


def validate_pack(pack: Pack) -> Pack:
    """Refuse a malformed pack at load time, naming the rule and what is wrong."""
    seen: set[str] = set()
    where = f"pack {pack.country}"
    if not pack.version or not pack.rules:
        raise PackError(f"{where}: needs a version and at least one rule")
    for rule in pack.rules:
        here = f"{where}, rule '{rule.id}'"
        if rule.id in seen:
            raise PackError(f"{here}: duplicate rule id")
        seen.add(rule.id)
        if not rule.law.strip() or not rule.summary.strip():
            raise PackError(f"{here}: every rule needs a citation (law) and a summary")
        if (rule.check is None) == (rule.window is None):
            raise PackError(f"{here}: a rule has either a check or a window, not both or neither")
        if rule.one is not None and rule.check is None:
            raise PackError(f"{here}: a one-row form of a check needs the check itself")
        if not rule.codes:
            raise PackError(f"{here}: declare the reason codes it can give")
        if rule.window is not None and set(rule.codes) - {
            ReasonCode.OUTSIDE_CALLING_HOURS,
            ReasonCode.PUBLIC_HOLIDAY,
        }:
            raise PackError(f"{here}: a window rule gives only OUTSIDE_CALLING_HOURS or PUBLIC_HOLIDAY")
        if rule.effective_from and rule.effective_until and rule.effective_from > rule.effective_until:
            raise PackError(f"{here}: in force from {rule.effective_from} until {rule.effective_until}?")
        if not rule.purposes or not rule.parties:
            raise PackError(f"{here}: applies to no purpose or no party")
    return pack


def all_rows(frame: Frame, value: bool = True) -> Bools:
    return np.full(frame.n, value, dtype=bool)
