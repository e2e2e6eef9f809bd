"""Campaigns: what a brand calls, for which purpose, from which caller ID, and its own limits."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from dialgate.domain.vocabulary import Party, Purpose, parse_enum
from dialgate.domain.windows import WeeklyWindows, parse_weekly
from dialgate.errors import InputError

_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
WITHHELD = ("", "anonymous", "withheld", "private", "restricted")


@dataclass(frozen=True, slots=True)
class AttemptLimit:
    count: int
    days: int


@dataclass(frozen=True, slots=True)
class Limits:
    """A campaign's own limits. They can only make the law stricter, never looser."""

    max_attempts: AttemptLimit | None = None
    hours: WeeklyWindows | None = None
    cooling_off_days: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.max_attempts:
            out["max_attempts"] = {"count": self.max_attempts.count, "days": self.max_attempts.days}
        if self.hours:
            out["hours"] = [list(map(list, d)) for d in self.hours.days]
        if self.cooling_off_days is not None:
            out["cooling_off_days"] = self.cooling_off_days
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Limits:
        attempts = data.get("max_attempts")
        hours = data.get("hours")
        return cls(
            max_attempts=AttemptLimit(attempts["count"], attempts["days"]) if attempts else None,
            hours=WeeklyWindows(tuple(tuple((s, e) for s, e in d) for d in hours)) if hours else None,
            cooling_off_days=data.get("cooling_off_days"),
        )


@dataclass(frozen=True, slots=True)
class Campaign:
    id: str
    brand: str
    purpose: Purpose
    party: Party = Party.CONSUMER
    caller_id: str = ""  # as written; "" or "anonymous" means withheld
    countries: tuple[str, ...] = ()
    registries: tuple[str, ...] = ()
    code_of_conduct: tuple[str, ...] = ()
    vendors: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    name: str = ""

    @property
    def caller_id_withheld(self) -> bool:
        return self.caller_id.strip().lower() in WITHHELD


_KNOWN_KEYS = {
    "id", "brand", "purpose", "party", "caller_id", "countries", "registries", "code_of_conduct", "vendors",
    "limits", "name",
}  # fmt: skip
_LIMIT_KEYS = {"max_attempts", "hours", "cooling_off_days"}


def parse_campaign_toml(text: str, *, file: str, supported_countries: Collection[str]) -> Campaign:
    """Parse and validate a campaign file; every error names the file and the key."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}").at(file=file) from None
    try:
        return campaign_from_mapping(doc, supported_countries=supported_countries)
    except InputError as exc:
        raise exc.at(file=file) from None


def campaign_from_mapping(doc: Mapping[str, Any], *, supported_countries: Collection[str]) -> Campaign:
    unknown = sorted(set(doc) - _KNOWN_KEYS)
    if unknown:
        raise InputError(f"unknown key; the campaign file knows {', '.join(sorted(_KNOWN_KEYS))}").at(
            field=unknown[0]
        )
    cid = _required_str(doc, "id")
    if not _ID.match(cid):
        raise InputError(f"'{cid}' must be lowercase letters, digits and dashes ([a-z0-9-])").at(field="id")
    brand = _required_str(doc, "brand")
    purpose = parse_enum(Purpose, _required_str(doc, "purpose"), "purpose")
    party = parse_enum(Party, _str(doc, "party", "consumer"), "party")
    caller_id = _str(doc, "caller_id", "")
    if caller_id.strip().lower() not in WITHHELD and not re.fullmatch(
        r"\+?[\d\s().-]{4,24}", caller_id.strip()
    ):
        raise InputError(f"'{caller_id}' is not a phone number (use +<country code><number>, or \"\")").at(
            field="caller_id"
        )
    countries = tuple(_country(c, supported_countries) for c in _str_list(doc, "countries"))
    if not countries:
        raise InputError('list at least one destination country, e.g. countries = ["FR"]').at(
            field="countries"
        )
    limits = _limits(doc.get("limits", {}))
    return Campaign(
        id=cid,
        brand=brand,
        purpose=purpose,
        party=party,
        caller_id=caller_id.strip(),
        countries=countries,
        registries=tuple(r.strip().upper() for r in _str_list(doc, "registries")),
        code_of_conduct=tuple(_country(c, None) for c in _str_list(doc, "code_of_conduct")),
        vendors=tuple(v.strip() for v in _str_list(doc, "vendors")),
        limits=limits,
        name=_str(doc, "name", ""),
    )


def _country(value: str, supported: Collection[str] | None) -> str:
    code = value.strip().upper()
    code = "GB" if code == "UK" else code
    if supported is not None and code not in supported:
        raise InputError(
            f"'{value}': no rule pack covers this country; packs exist for {', '.join(sorted(supported))}"
        ).at(field="countries")
    if len(code) != 2 or not code.isalpha():
        raise InputError(f"'{value}' is not an ISO 3166-1 alpha-2 code").at(field="code_of_conduct")
    return code


def _limits(raw: object) -> Limits:
    if not isinstance(raw, Mapping):
        raise InputError("must be a table ([limits])").at(field="limits")
    unknown = sorted(set(raw) - _LIMIT_KEYS)
    if unknown:
        raise InputError(f"unknown limit; known: {', '.join(sorted(_LIMIT_KEYS))}").at(
            field=f"limits.{unknown[0]}"
        )
    attempts = None
    if "max_attempts" in raw:
        ma = raw["max_attempts"]
        if not isinstance(ma, Mapping) or set(ma) != {"count", "days"}:
            raise InputError("write it as { count = 3, days = 7 }").at(field="limits.max_attempts")
        count, days = ma["count"], ma["days"]
        if not (isinstance(count, int) and isinstance(days, int) and count >= 1 and 1 <= days <= 366):
            raise InputError("count must be >= 1 and days between 1 and 366").at(field="limits.max_attempts")
        attempts = AttemptLimit(count, days)
    hours = None
    if "hours" in raw:
        if not isinstance(raw["hours"], Mapping):
            raise InputError('write it as { mon-fri = "09:00-19:00" }').at(field="limits.hours")
        hours = parse_weekly(raw["hours"], "limits.hours")
    cooling = raw.get("cooling_off_days")
    if cooling is not None and not (isinstance(cooling, int) and 1 <= cooling <= 3650):
        raise InputError("must be a whole number of days between 1 and 3650").at(
            field="limits.cooling_off_days"
        )
    return Limits(max_attempts=attempts, hours=hours, cooling_off_days=cooling)


def _required_str(doc: Mapping[str, Any], key: str) -> str:
    if key not in doc:
        raise InputError("is required").at(field=key)
    return _str(doc, key, "")


def _str(doc: Mapping[str, Any], key: str, default: str) -> str:
    value = doc.get(key, default)
    if not isinstance(value, str):
        raise InputError(f"must be a string, not {type(value).__name__}").at(field=key)
    return value


def _str_list(doc: Mapping[str, Any], key: str) -> list[str]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError('must be a list of strings, e.g. ["IT", "DE"]').at(field=key)
    return value
