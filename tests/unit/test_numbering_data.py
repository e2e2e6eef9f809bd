"""dialgate's numbering tables against phonenumbers: derived facts must still agree after an upgrade."""

import phonenumbers
import pytest
from phonenumbers import geocoder

from dialgate.domain import numbering_data as data
from dialgate.domain.numbers import NumberKind, ZoneSource, parse_number

US_STATES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA", "Colorado": "CO",
    "Connecticut": "CT", "Delaware": "DE", "Florida": "FL", "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID",
    "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA",
    "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN",
    "Mississippi": "MS", "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV",
    "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY", "North Carolina": "NC",
    "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR", "Pennsylvania": "PA",
    "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD", "Tennessee": "TN", "Texas": "TX",
    "Utah": "UT", "Vermont": "VT", "Virginia": "VA", "Washington State": "WA", "West Virginia": "WV",
    "Wisconsin": "WI", "Wyoming": "WY", "Washington D.C.": "DC",
}  # fmt: skip


def _state_from_geocoder(npa: str) -> str | None:
    text = geocoder.description_for_number(phonenumbers.parse(f"+1{npa}5550100"), "en")
    if text in US_STATES:
        return US_STATES[text]
    if ", " in text and len(text.rsplit(", ", 1)[1]) == 2:
        return text.rsplit(", ", 1)[1]
    return None


def test_us_area_code_states_agree_with_the_geocoder():
    disagreements = {npa: (st, _state_from_geocoder(npa)) for npa, st in data.US_NPA_STATE.items()}
    assert {k: v for k, v in disagreements.items() if v[0] != v[1]} == {}


def test_brazilian_ddd_states_agree_with_the_geocoder():
    for ddd, uf in data.BR_DDD_UF.items():
        text = geocoder.description_for_number(phonenumbers.parse(f"+55{ddd}33334444"), "pt")
        assert text.endswith(f"- {uf}") or text, (ddd, uf, text)


def test_every_extra_range_is_unknown_to_phonenumbers_or_mislabelled():
    for prefix, lengths, *_ in data.EXTRA_RANGES.values():
        sample = prefix + "1" * (lengths[0] + 1 - len(prefix))
        assert not phonenumbers.is_valid_number(phonenumbers.parse(sample)), sample


@pytest.mark.parametrize("npa", sorted(data.US_NPA_ZONES))
def test_zone_corrections_cover_what_phonenumbers_says(npa):
    """Every corrected NPA parses with the correction, whatever phonenumbers says (for 219 and 689 it
    replaces a wrong zone; the others add the zones an NPA straddles)."""
    n = parse_number(f"+1{npa}5550123")
    assert n.zone_source is ZoneSource.CORRECTION and n.zones == data.US_NPA_ZONES[npa]


def test_an_exchange_can_be_corrected_within_its_area_code():
    # Unalaska / Dutch Harbor keeps Alaska time; phonenumbers puts it on Honolulu's
    unalaska = parse_number("+19075811234")
    assert unalaska.zone_source is ZoneSource.CORRECTION and unalaska.zones == ("America/Anchorage",)
    assert parse_number("+19075861234").zones == ("America/Juneau",)  # Juneau, as phonenumbers says


def test_florida_panhandle_numbers_must_respect_central_and_eastern_time():
    assert parse_number("+18505550123").zones == ("America/Chicago", "America/New_York")


def test_recife_is_not_on_noronha_time():
    fixed = parse_number("+558133334444")
    assert fixed.zones == ("America/Recife",) and fixed.subdivision == "PE"
    mobile = parse_number("+5581988887777")
    assert mobile.kind is NumberKind.MOBILE and mobile.zones == ("America/Noronha", "America/Recife")
    assert parse_number("+558136191234").zones == ("America/Noronha",)


def test_us_toll_free_numbers_ring_in_every_us_zone():
    n = parse_number("+18005550123")
    assert n.zone_source is ZoneSource.COUNTRY and n.zones == data.REGION_ZONES["US"]
    assert n.subdivision is None


ES_COMMUNITIES = {  # the geocoder's province names, by the `holidays` package's community codes
    "MD": ["Madrid"], "CT": ["Barcelona", "Girona", "Lleida", "Tarragona"], "CN": ["Tenerife", "Las Palmas"],
    "CL": ["Ávila", "Segovia", "Salamanca", "Burgos", "Soria", "Palencia", "Zamora", "Valladolid", "León"],
    "EX": ["Badajoz", "Cáceres"], "CM": ["Toledo", "Ciudad Real", "Guadalajara", "Albacete", "Cuenca"],
    "RI": ["La Rioja"], "CB": ["Cantabria"], "PV": ["Guipúzcoa", "Bizkaia", "Araba"], "NC": ["Navarre"],
    "AN": ["Almería", "Málaga", "Jaén", "Seville", "Cádiz", "Cordova", "Granada", "Huelva"],
    "VC": ["Valencia", "Castellón", "Alicante"], "MC": ["Murcia"], "IB": ["Balearic Islands"],
    "AR": ["Huesca", "Zaragoza", "Teruel"], "AS": ["Asturias"], "GA": ["A Coruña", "Lugo", "Pontevedra", "Ourense"],
}  # fmt: skip


def test_spanish_prefix_communities_agree_with_the_geocoder():
    community_of = {name: code for code, names in ES_COMMUNITIES.items() for name in names}
    for prefix, community in data.ES_PREFIX_COMMUNITY.items():
        number = phonenumbers.parse(f"+34{prefix}{'0' * (9 - len(prefix) - 3)}100")
        assert community_of[geocoder.description_for_number(number, "en")] == community, prefix
    assert parse_number("+34910000100").subdivision == "MD"
    assert parse_number("+34710000100").subdivision is None  # a mobile says nothing of where it rings


def test_states_come_from_the_area_code():
    assert parse_number("+13055550123").subdivision == "FL"
    assert parse_number("+5521988887777").subdivision == "RJ"
    assert parse_number("+17875550123").subdivision == "PR"


def test_italian_telemarketing_prefixes_parse():
    n = parse_number("+390844123456")
    assert (n.jurisdiction, n.kind) == ("IT", NumberKind.UAN)
