"""Phone numbers: parse any input a person would type into an E.164 value with its destination facts.

`phonenumbers` is the base; `numbering.py` holds the facts it lacks (fiction ranges, telemarketing
prefixes, time zones for area codes that straddle a zone line, US states and Brazilian states).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberType
from phonenumbers import timezone as pn_timezone

from dialgate.domain import numbering
from dialgate.errors import InputError


class NumberKind(StrEnum):
    MOBILE = "mobile"
    FIXED = "fixed"
    FIXED_OR_MOBILE = "fixed-or-mobile"
    TOLL_FREE = "toll-free"
    PREMIUM = "premium"
    SHARED_COST = "shared-cost"
    VOIP = "voip"
    PERSONAL = "personal"
    PAGER = "pager"
    UAN = "uan"
    VOICEMAIL = "voicemail"
    UNKNOWN = "unknown"

    @property
    def may_be_mobile(self) -> bool:
        return self in (NumberKind.MOBILE, NumberKind.FIXED_OR_MOBILE)


_KIND_OF = {
    PhoneNumberType.MOBILE: NumberKind.MOBILE,
    PhoneNumberType.FIXED_LINE: NumberKind.FIXED,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: NumberKind.FIXED_OR_MOBILE,
    PhoneNumberType.TOLL_FREE: NumberKind.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE: NumberKind.PREMIUM,
    PhoneNumberType.SHARED_COST: NumberKind.SHARED_COST,
    PhoneNumberType.VOIP: NumberKind.VOIP,
    PhoneNumberType.PERSONAL_NUMBER: NumberKind.PERSONAL,
    PhoneNumberType.PAGER: NumberKind.PAGER,
    PhoneNumberType.UAN: NumberKind.UAN,
    PhoneNumberType.VOICEMAIL: NumberKind.VOICEMAIL,
}


class ZoneSource(StrEnum):
    NUMBER_PREFIX = "number-prefix"  # phonenumbers' prefix data placed the number
    CORRECTION = "correction"  # dialgate's own table (numbering.ZONE_CORRECTIONS) replaced it
    COUNTRY = "country"  # the number says nothing finer: every zone of the destination applies


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A valid, dialable number and the facts the rules need about its destination."""

    e164: str
    country_code: int
    region: str  # phonenumbers' region, e.g. "RE" for Réunion
    jurisdiction: str  # the rule pack's country, e.g. "FR" for Réunion; "" when no pack's law applies
    kind: NumberKind
    zones: tuple[str, ...]
    zone_source: ZoneSource
    subdivision: str | None  # US state, Brazilian state (UF) or Spanish community when the number tells it

    @property
    def national_number(self) -> str:
        return self.e164[1 + len(str(self.country_code)) :]

    def __str__(self) -> str:
        return self.e164


def e164_key(e164: str) -> int:
    """The number as an integer of its E.164 digits: the key of register indexes and bulk joins."""
    return int(e164[1:])


def clean_region(region: str | None) -> str | None:
    if region is None or not region.strip():
        return None
    code = region.strip().upper()
    code = "GB" if code == "UK" else code
    if len(code) != 2 or not code.isalpha():
        raise InputError(f"'{region}' is not an ISO 3166 alpha-2 region such as FR, GB or US").at(
            field="region"
        )
    if code not in phonenumbers.SUPPORTED_REGIONS:  # ZZ, XX: national numbers would be read as nothing
        raise InputError(f"'{region}' is not a region with a numbering plan, such as FR, GB or US").at(
            field="region"
        )
    return code


def parse_number(raw: str, region: str | None = None) -> PhoneNumber:
    """Parse and validate; raises InputError naming what is wrong with the number."""
    return _parse_cached(raw.strip(), clean_region(region))


@lru_cache(maxsize=1 << 16)
def _parse_cached(raw: str, region: str | None) -> PhoneNumber:
    if not raw:
        raise InputError("the number is empty").at(field="number")
    text = raw
    if region is None and not text.startswith(("+", "00")):
        raise InputError(
            f"'{raw}' has no country code: write it as +<country code><number>, or give the region "
            'of its national format (--region FR on the command line, "region": "FR" over HTTP)'
        ).at(field="number")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InputError(f"'{raw}' is not a phone number ({_parse_problem(exc)})").at(
            field="number"
        ) from None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    country_code = int(parsed.country_code or 0)
    extra = numbering.extra_range(e164)
    pn_type: int | None = None
    if extra is not None:
        pn_region, kind = extra.region, NumberKind(extra.kind)
    else:
        # The number's type, once: is_valid_number is number_type != UNKNOWN (both judge the number in
        # the region region_code_for_number gives), and the time zones need the type again. Asked
        # separately, phonenumbers matched the number against its plan's patterns three times.
        pn_type = phonenumbers.number_type(parsed)
        if pn_type == PhoneNumberType.UNKNOWN:
            raise InputError(
                f"'{raw}' is not a valid, dialable number ({e164} is not assigned in its plan)"
            ).at(field="number")
        pn_region = phonenumbers.region_code_for_number(parsed) or "001"
        kind = _KIND_OF.get(pn_type, NumberKind.UNKNOWN)
    zones, zone_source = _zones_for(parsed, e164, pn_region, kind.may_be_mobile, pn_type)
    return PhoneNumber(
        e164=e164,
        country_code=country_code,
        region=pn_region,
        jurisdiction=numbering.jurisdiction_of(pn_region),
        kind=kind,
        zones=zones,
        zone_source=zone_source,
        subdivision=numbering.subdivision_of(pn_region, e164),
    )


def _parse_problem(exc: phonenumbers.NumberParseException) -> str:
    return {
        phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
        phonenumbers.NumberParseException.NOT_A_NUMBER: "not a number",
        phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
        phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
        phonenumbers.NumberParseException.TOO_LONG: "too long",
    }.get(exc.error_type, "cannot be read")


def _zones_for(
    parsed: phonenumbers.PhoneNumber, e164: str, region: str, mobile: bool, pn_type: int | None
) -> tuple[tuple[str, ...], ZoneSource]:
    """`pn_type`: phonenumbers' type of the number when known (time_zones_for_number would find it again)."""
    corrected = numbering.zone_correction(e164, region, mobile)
    if corrected is not None:
        return corrected, ZoneSource.CORRECTION
    if numbering.is_nongeographic(region, e164):
        return numbering.country_zones(region), ZoneSource.COUNTRY
    if pn_type is not None and phonenumbers.is_number_type_geographical(pn_type, parsed.country_code or 0):
        found = pn_timezone.time_zones_for_geographical_number(parsed)  # time_zones_for_number's own step
    else:
        found = pn_timezone.time_zones_for_number(parsed)
    zones = tuple(z for z in found if z != "Etc/Unknown")
    if zones:
        return tuple(sorted(zones)), ZoneSource.NUMBER_PREFIX
    return numbering.country_zones(region), ZoneSource.COUNTRY
