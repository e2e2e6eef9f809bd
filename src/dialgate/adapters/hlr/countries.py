"""Turn what a provider says about the roaming country (ISO code, calling code, name) into ISO alpha-2.

A calling code is not a country: +39 is Italy and the Vatican, +47 Norway and Svalbard, +590 Guadeloupe
and Saint-Barthélemy, on both sides of the EU/EEA line. When the code alone cannot tell which side, the
country's name decides; when there is no name either, the country is unknown (and the rule fails closed)
rather than guessed.
"""

from __future__ import annotations

from functools import cache

import phonenumbers
from phonenumbers import geocoder

from dialgate.domain.hlr_errors import HlrUnknownCountryError
from dialgate.domain.roaming import EU_EEA


def resolve_country(iso: object = None, prefix: object = None, name: object = None) -> str | None:
    """ISO alpha-2 of the roaming country; None when the answer names none; raises when it names a
    country no one can place."""
    iso_text, prefix_text, name_text = _text(iso), _text(prefix), _text(name)
    if iso_text:
        code = iso_text.upper()
        if len(code) == 2 and phonenumbers.country_code_for_region(code):
            return code
        raise HlrUnknownCountryError(f"roaming country '{iso_text}' is not an ISO 3166 country code")
    if prefix_text:
        return _from_calling_code(prefix_text, name_text)
    if name_text:
        found = _regions_by_name().get(name_text.casefold())
        if found is None:
            raise HlrUnknownCountryError(
                f"roaming country '{name_text}' is not a country name dialgate knows"
            )
        return found
    return None


def _from_calling_code(prefix: str, name: str | None) -> str:
    digits = prefix.removeprefix("+").strip()
    regions = phonenumbers.region_codes_for_country_code(int(digits)) if digits.isdigit() else ()
    regions = tuple(r for r in regions if r != "001")
    if not regions:
        raise HlrUnknownCountryError(f"roaming calling code '{prefix}' belongs to no country")
    if len(regions) == 1:
        return regions[0]
    if name:
        for region in regions:
            if _display_name(region).casefold() == name.casefold():
                return region
    if len({r in EU_EEA for r in regions}) == 1:
        return regions[0]  # every country behind the code is on the same side: the main one will do
    shared = ", ".join(regions)
    raise HlrUnknownCountryError(
        f"roaming calling code +{digits} is shared by {shared}, inside and outside the EU/EEA, "
        f"and the answer names none of them"
    )


def _text(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def _display_name(region: str) -> str:
    return str(geocoder._region_display_name(region, "en"))


@cache
def _regions_by_name() -> dict[str, str]:
    return {_display_name(r).casefold(): r for r in sorted(phonenumbers.SUPPORTED_REGIONS)}


def country_facts(iso: str) -> tuple[str, str]:
    """Calling code and English name of a country: what the simulator puts in its answers."""
    return str(phonenumbers.country_code_for_region(iso)), _display_name(iso) or iso
