"""National opt-out registers: what a snapshot is, and what a lookup answers.

A snapshot is immutable: a name (US-DNC, IT-RPO, …), the date it was taken (as-of), and its numbers,
optionally each with the date it was listed. Numbers are keyed as uint64 of their E.164 digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import numpy.typing as npt

NO_DATE = -1  # listed_on value when the snapshot carries no listing date for a number
EPOCH = date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class KnownRegister:
    name: str
    country: str  # ISO code of the numbers it holds (GB for the UK)
    label: str
    max_age_days: int | None  # how old a snapshot may be before calls relying on it lose their safe harbour
    citation: str


KNOWN_REGISTERS: dict[str, KnownRegister] = {
    r.name: r
    for r in (
        KnownRegister("US-DNC", "US", "the US National Do Not Call Registry", 31, "47 CFR 64.1200(c)(2)"),
        KnownRegister("UK-TPS", "GB", "the Telephone Preference Service", 28, "PECR reg. 21(1)(b), 21(3)"),
        KnownRegister(
            "UK-CTPS", "GB", "the Corporate Telephone Preference Service", 28, "PECR reg. 21(1)(b), 26"
        ),
        KnownRegister(
            "IT-RPO", "IT", "Italy's Registro pubblico delle opposizioni", 15, "DPR 26/2022; DPR 178/2010"
        ),
        KnownRegister("FR-BLOCTEL", "FR", "Bloctel", 30, "C. conso. L.223-1"),
        KnownRegister("BR-NMP", "BR", "Não Me Perturbe", 30, "Anatel / Não Me Perturbe self-regulation"),
        KnownRegister("BR-SP-NAOMELIGUE", "BR", "São Paulo's Não Me Ligue", 30, "SP Lei 13.226/2008"),
        KnownRegister("ES-ROBINSON", "ES", "Lista Robinson", 30, "LOPDGDD art. 23.4"),
    )
}


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
