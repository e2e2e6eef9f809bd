"""National opt-out registers: what a snapshot is, what a lookup answers, and which registers exist.

A snapshot is immutable: a name (US-DNC, IT-RPO, …), the date it was taken (as-of), and its numbers,
optionally each with the date it was listed. Numbers are keyed as uint64 of their E.164 digits.
KNOWN_REGISTERS is the single source of each register's country and maximum scrub age; any other name is
a private list with no maximum age unless its caller gives one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

import numpy as np
import numpy.typing as npt

from dialgate.domain.vocabulary import Party
from dialgate.errors import InputError

NO_DATE = -1  # listed_on value when the snapshot carries no listing date for a number
EPOCH = date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    name: str
    snapshot_id: str
    as_of: date
    count: int
    imported_at: datetime
    has_listing_dates: bool

    def age_days(self, today: date) -> int:
        return (today - self.as_of).days


@dataclass(frozen=True, slots=True)
class RegisterHits:
    """Per probe: on the register or not, and the listing day (days since 1970-01-01, or NO_DATE)."""

    member: npt.NDArray[np.bool_]
    listed_on: npt.NDArray[np.int32]


def day_number(day: date) -> int:
    return (day - EPOCH).days


def from_day_number(days: int) -> date:
    return date.fromordinal(EPOCH.toordinal() + days)


# --- The registers dialgate knows, and how old a snapshot of each may be ---------------------------------


@dataclass(frozen=True, slots=True)
class KnownRegister:
    """A national register: whose numbers it holds and how long a scrub against it stays valid.

    `max_age_days` is the greatest age (`SnapshotInfo.age_days`) at which a snapshot is still fresh:
    a snapshot taken on day D answers lawfully up to and including day D + max_age_days, and is stale
    from the day after. The decision engine reads the ages from here and nowhere else.
    """

    name: str
    country: str  # ISO 3166-1 alpha-2, also the default --region of its files
    max_age_days: int
    party: Party | None  # whose numbers it holds; None when it covers both consumers and businesses
    description: str
    citation: str


KNOWN_REGISTERS: dict[str, KnownRegister] = {
    r.name: r
    for r in (
        KnownRegister(
            "US-DNC", "US", 31, Party.CONSUMER,
            "FTC National Do Not Call Registry",
            "47 CFR 64.1200(c)(2): safe harbour only with a registry version obtained no more than 31 days "
            "before the call",
        ),
        KnownRegister(
            "UK-TPS", "GB", 28, Party.CONSUMER,
            "Telephone Preference Service (individuals, sole traders, partnerships)",
            "PECR reg. 21(1)(b) and 21(3): a number binds 28 days after it is listed",
        ),
        KnownRegister(
            "UK-CTPS", "GB", 28, Party.BUSINESS,
            "Corporate Telephone Preference Service (companies and other corporate bodies)",
            "PECR reg. 21(1)(b) and 21(5): 28 days, as for the TPS",
        ),
        KnownRegister(
            "IT-RPO", "IT", 15, None,
            "Registro Pubblico delle Opposizioni (all numbers since 27 Jul 2022)",
            "DPR 178/2010 operator rules (a cleaned list is valid 15 days); DPR 26/2022 (consult monthly "
            "and before every campaign)",
        ),
        KnownRegister(
            "FR-BLOCTEL", "FR", 30, Party.CONSUMER,
            "Bloctel opposition list",
            "C. conso. L.223-1 and following; a file cleaned by Bloctel is valid 30 days",
        ),
        KnownRegister(
            "BR-NMP", "BR", 30, Party.CONSUMER,
            "Não Me Perturbe (telecom and payroll-loan offers)",
            "Anatel / industry self-regulation: a block takes effect within 30 days of registration",
        ),
        KnownRegister(
            "BR-SP-NAOMELIGUE", "BR", 30, Party.CONSUMER,
            "São Paulo state 'Não Me Ligue' list (Procon-SP)",
            "SP state law 13.226/2008: companies must stop calling within 30 days of registration",
        ),
        KnownRegister(
            "ES-ROBINSON", "ES", 30, Party.CONSUMER,
            "Lista Robinson (Adigital)",
            "LOPDGDD art. 23.4 (consult before each campaign). dialgate's choice: 30 days, so a campaign "
            "that runs longer than a month re-scrubs, as Bloctel and the Brazilian lists require; the "
            "list's own two-month delay before an entry binds leaves margin on the consumer's side",
        ),
    )
}  # fmt: skip


def known_register(name: str) -> KnownRegister | None:
    return KNOWN_REGISTERS.get(name.strip().upper())


def max_age_days(name: str, default: int | None = None) -> int | None:
    """The register's maximum scrub age; a private list has none unless the caller gives one."""
    known = known_register(name)
    return known.max_age_days if known is not None else default


def days_left(info: SnapshotInfo, today: date, max_age: int | None) -> int | None:
    """Days the snapshot stays fresh after `today` (0: today is its last fresh day; < 0: stale)."""
    return None if max_age is None else max_age - info.age_days(today)


def is_stale(info: SnapshotInfo, today: date, max_age: int | None) -> bool:
    left = days_left(info, today, max_age)
    return left is not None and left < 0


_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def check_register_name(raw: str) -> str:
    """Register names are upper-case tokens (US-DNC, ACME-SUPPRESS); they name files on disk too."""
    name = raw.strip().upper()
    if not name or len(name) > 64 or not set(name) <= _NAME_CHARS or name[0] in "-_.":
        raise InputError(
            f"'{raw}' is not a register name: use letters, digits and - _ . (e.g. US-DNC or ACME-OPTOUT)"
        ).at(field="name")
    return name


# --- Cheap validation of national numbers, for bulk imports ----------------------------------------------


@dataclass(frozen=True, slots=True)
class NationalPlan:
    """What a register importer needs to turn a national number into its E.164 key, without phonenumbers
    per row: the country code, the trunk prefix to strip, and the national lengths that can exist."""

    region: str
    country_code: int
    trunk_prefix: str  # "0" in most of Europe, "1" for North America, "" where none exists
    min_length: int
    max_length: int
    nanp: bool  # North American rule: area code and exchange both start with 2-9


def national_plan(region: str) -> NationalPlan:
    import phonenumbers

    meta = phonenumbers.PhoneMetadata.metadata_for_region(region.upper())
    if meta is None:
        raise InputError(f"'{region}' is not a region phonenumbers knows").at(field="region")
    desc = meta.general_desc
    lengths = [n for n in ((desc.possible_length if desc else None) or ()) if n > 0]
    if not lengths or meta.country_code is None:
        raise InputError(f"region '{region}' has no known number lengths").at(field="region")
    nanp = meta.country_code == 1
    trunk = meta.national_prefix or ("1" if nanp else "")
    return NationalPlan(
        region=region.upper(),
        country_code=int(meta.country_code),
        trunk_prefix=trunk if trunk.isdigit() else "",
        min_length=min(lengths),
        max_length=max(lengths),
        nanp=nanp,
    )


def country_code_lengths() -> dict[int, tuple[int, int]]:
    """For numbers written with +: every country code and the national lengths it allows."""
    import phonenumbers

    out: dict[int, tuple[int, int]] = {}
    for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items():
        lengths: list[int] = []
        for region in regions:
            meta = (
                phonenumbers.PhoneMetadata.metadata_for_nongeo_region(code)
                if region == "001"
                else phonenumbers.PhoneMetadata.metadata_for_region(region)
            )
            desc = meta.general_desc if meta is not None else None
            if desc is not None:
                lengths.extend(n for n in (desc.possible_length or ()) if n > 0)
        if lengths:
            out[int(code)] = (min(lengths), max(lengths))
    return out


# --- Snapshots as the store keeps them -------------------------------------------------------------------


class RegisterFormat(StrEnum):
    LINES = "lines"  # one number per line
    CSV = "csv"  # a column of a CSV file, optionally with listing dates
    TPS = "tps"  # UK TPS / CTPS: 12-character fixed-width records
    FTC = "ftc"  # US DNC flat files: full lists, or change lists (--change-list)
    IYS = "iys"  # the İYS daily movement CSV: consent events, not a register


@dataclass(frozen=True, slots=True)
class RegisterSource:
    """A register file to compile into a snapshot, and how to read it."""

    name: str
    path: Path
    source_name: str  # the file's name as given (an upload's file name, a path on the command line)
    format: RegisterFormat
    region: str | None  # national numbers are read in this region's format
    column: str | None = None
    listing_date_column: str | None = None
    change_list: bool = False
    encoding: str = "utf-8"


@dataclass(frozen=True, slots=True)
class CompiledIndex:
    """What compiling a register file produced: an index file (path relative to the data directory)."""

    index_path: str
    count: int
    index_bytes: int
    has_listing_dates: bool
    source_sha256: str
    source_bytes: int
    added: int | None = None  # change lists: numbers added and removed against the base snapshot
    removed: int | None = None


@dataclass(frozen=True, slots=True)
class SnapshotRecord:
    info: SnapshotInfo
    format: RegisterFormat
    region: str | None
    source_name: str
    source_sha256: str
    index_path: str
    index_bytes: int
    base_snapshot_id: str | None = None
