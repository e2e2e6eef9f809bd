"""Numbering facts that `phonenumbers` does not have, or has too coarsely for a rule.

Every table here says why it exists. The data tables live in `numbering_data.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from dialgate.domain import numbering_data as data

# Which rule pack's law applies to a phonenumbers region. Overseas departments and collectivities
# that use French consumer law belong to FR; US territories are covered by the TCPA and the national
# registry. Regions not listed here have no pack: the engine fails closed (UNSUPPORTED_DESTINATION).
_JURISDICTION = {
    "TR": "TR", "IT": "IT", "DE": "DE", "PL": "PL", "BR": "BR", "FR": "FR", "US": "US", "GB": "GB", "ES": "ES",
    "RE": "FR", "GP": "FR", "MQ": "FR", "GF": "FR", "YT": "FR", "PM": "FR", "BL": "FR", "MF": "FR",
    "PR": "US", "VI": "US", "GU": "US", "AS": "US", "MP": "US",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ExtraRange:
    """A range phonenumbers rejects or mislabels but which is real and dialable in the destination."""

    prefix: str  # E.164 prefix, with '+'
    lengths: tuple[int, ...]  # total E.164 digits (without '+')
    kind: str  # a NumberKind value
    region: str
    why: str


def jurisdiction_of(region: str) -> str:
    return _JURISDICTION.get(region, "")


def extra_range(e164: str) -> ExtraRange | None:
    digits = len(e164) - 1
    for length in range(min(len(e164), data.LONGEST_EXTRA_PREFIX), 1, -1):
        found = data.EXTRA_RANGES.get(e164[:length])
        if found is not None:
            prefix, lengths, kind, region, why = found
            if digits in lengths:
                return ExtraRange(prefix, lengths, kind, region, why)
            return None
    return None


_US_TERRITORIES = frozenset({"PR", "VI", "GU", "AS", "MP"})


def zone_correction(e164: str, region: str, mobile: bool) -> tuple[str, ...] | None:
    """dialgate's own zones where phonenumbers' are wrong or too coarse for a window rule."""
    if region == "US":
        return data.US_PREFIX_ZONES.get(e164[:8]) or data.US_NPA_ZONES.get(e164[2:5])
    if region == "BR":
        for prefix, zones in data.BR_PREFIX_ZONES.items():
            if e164.startswith(prefix):
                return zones
        ddd = e164[3:5]
        if mobile and ddd in data.BR_MOBILE_DDD_ZONES:
            return data.BR_MOBILE_DDD_ZONES[ddd]
        return data.BR_DDD_ZONES.get(ddd)
    return None


def is_nongeographic(region: str, e164: str) -> bool:
    """Numbers whose prefix places them nowhere (US toll-free and personal NPAs, BR 0300/0303/0800):
    phonenumbers answers with every zone of the numbering plan, which is not the destination's."""
    if region == "US":
        return e164[2:5] not in data.US_NPA_STATE
    if region == "BR":
        return e164[3:5] not in data.BR_DDD_UF
    return False


def subdivision_of(region: str, e164: str) -> str | None:
    """US state or territory, Brazilian state or Spanish autonomous community, when the number tells it."""
    if region == "US":
        return data.US_NPA_STATE.get(e164[2:5])
    if region in _US_TERRITORIES:
        return region
    if region == "BR":
        return data.BR_DDD_UF.get(e164[3:5])
    if region == "ES":
        return data.ES_PREFIX_COMMUNITY.get(e164[3:6]) or data.ES_PREFIX_COMMUNITY.get(e164[3:5])
    return None


def country_zones(region: str) -> tuple[str, ...]:
    """Every zone a number of this region might ring in, for numbers that say nothing finer."""
    return data.REGION_ZONES.get(region, ("UTC",))


def decisive_prefixes() -> frozenset[str]:
    """E.164 prefixes below which no answer of this module changes. Bulk parsing (number_tables.py)
    refines its prefix tables down to each of them and asks this module about one number per table
    entry, so keep this in step with the functions above when a table starts keying on more digits."""
    found = set(data.EXTRA_RANGES)
    found.update("+1" + npa for npa in (*data.US_NPA_ZONES, *data.US_NPA_STATE))
    found.update("+55" + ddd for ddd in (*data.BR_DDD_ZONES, *data.BR_DDD_UF))
    found.update(data.US_PREFIX_ZONES)  # exchanges (NPA-NXX)
    found.update("+34" + prefix for prefix in data.ES_PREFIX_COMMUNITY)
    found.update(data.BR_PREFIX_ZONES)  # Fernando de Noronha's fixed lines
    found.update(
        "+55" + ddd + "9" for ddd in data.BR_MOBILE_DDD_ZONES
    )  # mobiles of DDD 81 may ring on the island
    return frozenset(found)
