"""The inputs of a batch of decisions, as columns. A single check is a frame of one row.

Everything the same for the whole batch (the instant, the campaign, the caller ID, the vendor, the
register snapshots) is a scalar; everything about the callee is an array with one entry per row.
Rows are grouped by where the number rings (zones, subdivision), so time rules are computed per group.

The containers a check builds anew (the frame and its columns) are plain dataclasses, not frozen ones:
a frozen dataclass's __init__ costs five times a plain one's, and a single check made a dozen of them.
Nothing writes to them once built; what is shared between checks is also made read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import orjson

from dialgate.domain.campaign import Campaign
from dialgate.domain.model import Vendor
from dialgate.domain.numbers import PhoneNumber
from dialgate.domain.registry import SnapshotInfo
from dialgate.domain.vocabulary import Party

Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]
Small = npt.NDArray[np.int8]
_Item = TypeVar("_Item", bound=np.generic)


def shared(values: npt.NDArray[_Item]) -> npt.NDArray[_Item]:
    """A column that single checks' frames share (what every number without consent, never called, ...
    has in common): read-only, so that a write raises instead of reaching every other check."""
    values.flags.writeable = False
    return values


ONE_TRUE, ONE_FALSE = shared(np.ones(1, bool)), shared(np.zeros(1, bool))

NEVER = np.iinfo(np.int64).max
# consent status / basis codes in ConsentColumns
NONE, GRANTED, REVOKED = 0, 1, 2
BASIS_CONSENT, BASIS_CONTRACT, BASIS_INQUIRY = 0, 1, 2
PARTY_CONSUMER, PARTY_BUSINESS = 0, 1
PARTY_CODES = {Party.CONSUMER: PARTY_CONSUMER, Party.BUSINESS: PARTY_BUSINESS}
# roaming codes, in RoamingState order
ROAM_NOT_NEEDED, ROAM_HOME, ROAM_IN_EEA, ROAM_OUTSIDE, ROAM_UNKNOWN = 0, 1, 2, 3, 4


@dataclass(frozen=True, slots=True)
class Group:
    """Where a set of rows rings: the same zones and subdivision give the same calendar. (engine._Plan
    keys its per-group windows by these five fields: a new field belongs in that key too.)"""

    region: str
    jurisdiction: str  # the pack's country, "" when no pack covers the region
    zones: tuple[str, ...]
    zone_source: str
    subdivision: str | None


@dataclass(frozen=True)
class CallerFacts:
    raw: str
    withheld: bool
    number: PhoneNumber | None  # None when withheld or not a valid number


@dataclass  # not frozen: see the module's docstring
class VendorFacts:
    requested: str | None  # the vendor id given with the check, if any
    vendor: Vendor | None  # None when not given or unknown to the brand


@dataclass  # not frozen: see the module's docstring
class ConsentColumns:
    """The consent that governs each row for the campaign's channel and purpose (the fold's answer)."""

    status: Small
    basis: Small
    party: Small
    captured: Ints  # epoch seconds; 0 when there is none
    expires: Ints  # NEVER when the consent has no expiry
    evidence: Bools
    from_registry: Bools  # the governing event came from a register (İYS)
    # the party's latest register-sourced event's status (İYS mirror), REVOKED where a revocation came
    # after it, NONE if none
    registry_status: Small
    registry_party: Small

    @staticmethod
    def empty(n: int) -> ConsentColumns:
        z8 = np.zeros(n, dtype=np.int8)
        return ConsentColumns(
            z8, z8.copy(), z8.copy(), np.zeros(n, np.int64), np.full(n, NEVER, np.int64),
            np.zeros(n, bool), np.zeros(n, bool), z8.copy(), z8.copy(),
        )  # fmt: skip

    def take(self, idx: npt.NDArray[np.intp]) -> ConsentColumns:
        return ConsentColumns(*(getattr(self, f)[idx] for f in self.__dataclass_fields__))


@dataclass  # not frozen: see the module's docstring
class AttemptColumns:
    """Past attempts per row (brand-wide), in CSR form: row i owns at[offsets[i]:offsets[i+1]], ascending."""

    offsets: Ints
    at: Ints
    same_campaign: Bools
    same_purpose: Bools
    refused: Bools
    last_use: Ints  # the latest attempt ever made to the row's number (0 if none), for retention rules

    @staticmethod
    def empty(n: int, last_use: Ints | None = None) -> AttemptColumns:
        e = np.zeros(0, bool)
        return AttemptColumns(
            np.zeros(n + 1, np.int64),
            np.zeros(0, np.int64),
            e,
            e,
            e,
            np.zeros(n, np.int64) if last_use is None else last_use,
        )

    @property
    def owner(self) -> npt.NDArray[np.intp]:
        """For each attempt, the row it belongs to."""
        return np.repeat(np.arange(self.offsets.size - 1), np.diff(self.offsets))

    def take(self, idx: npt.NDArray[np.intp]) -> AttemptColumns:
        starts, ends = self.offsets[idx], self.offsets[idx + 1]
        counts = ends - starts
        sel = (
            np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)])
            if counts.sum()
            else np.zeros(0, np.intp)
        )
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return AttemptColumns(
            offsets,
            self.at[sel],
            self.same_campaign[sel],
            self.same_purpose[sel],
            self.refused[sel],
            self.last_use[idx],
        )


@dataclass  # not frozen: see the module's docstring
class RegisterColumns:
    """One register as seen by this batch: the snapshot in force (or none) and each row's hit."""

    name: str
    snapshot: SnapshotInfo | None
    member: Bools
    listed_on: npt.NDArray[np.int32]  # day number, registry.NO_DATE when unknown

    def take(self, idx: npt.NDArray[np.intp]) -> RegisterColumns:
        return replace(self, member=self.member[idx], listed_on=self.listed_on[idx])


def e164_texts(keys: npt.NDArray[np.uint64], valid: Bools) -> npt.NDArray[np.object_]:
    """The E.164 text of each valid row's key; "" elsewhere."""
    # all keys written as one JSON array and cut at the commas: a tenth of a str() per key
    digits = orjson.dumps(np.where(valid, keys, np.uint64(0)), option=orjson.OPT_SERIALIZE_NUMPY).decode()
    out = np.array(("+" + digits[1:-1].replace(",", ",+")).split(","), dtype=object)
    out[~valid] = ""
    return out


@dataclass  # not frozen: see the module's docstring
class Frame:
    at: datetime
    at_s: int
    today: date  # `at` as a UTC date, for snapshot ages
    campaign: Campaign
    caller: CallerFacts
    vendor: VendorFacts
    key: npt.NDArray[np.uint64]  # numbers.e164_key per row, 0 where invalid
    texts: npt.NDArray[np.object_] | None  # see e164; None: built from the keys when first read
    valid: Bools
    mobile: Bools  # mobile or fixed-or-mobile: what a roaming lookup is for
    group: npt.NDArray[np.int32]
    groups: list[Group]
    consent: ConsentColumns
    dnc: Bools
    registers: dict[str, RegisterColumns]
    attempts: AttemptColumns
    roaming: Small
    roaming_fail_open: bool = False
    roaming_errors: list[str | None] = field(default_factory=list)

    @property
    def n(self) -> int:
        return int(self.valid.size)

    # Plain properties, not cached ones: a single check reads each a few times, and functools'
    # cached_property takes a lock on its first read (a frame is read once per check, so it always paid).

    @property
    def group0(self) -> Group:
        """Where the first row rings: a single check's one-row rules read it."""
        return self.groups[int(self.group[0])]

    @property
    def e164(self) -> npt.NDArray[np.object_]:
        """E.164, or the raw input where the number is invalid. A frame built without texts (a scrub's,
        which writes its own columns) gives "" for invalid rows."""
        return self.texts if self.texts is not None else self._built_texts

    @cached_property
    def _built_texts(self) -> npt.NDArray[np.object_]:
        return e164_texts(self.key, self.valid)

    def take(self, idx: npt.NDArray[np.intp]) -> Frame:
        return replace(
            self,
            key=self.key[idx],
            texts=None if self.texts is None else self.texts[idx],
            valid=self.valid[idx],
            mobile=self.mobile[idx],
            group=self.group[idx],
            consent=self.consent.take(idx),
            dnc=self.dnc[idx],
            registers={k: v.take(idx) for k, v in self.registers.items()},
            attempts=self.attempts.take(idx),
            roaming=self.roaming[idx],
            roaming_errors=[self.roaming_errors[i] for i in idx] if self.roaming_errors else [],
        )
