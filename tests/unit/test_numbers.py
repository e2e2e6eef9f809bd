import pytest

from dialgate.domain.numbers import NumberKind, ZoneSource, parse_number
from dialgate.errors import InputError


def test_normalises_international_input_to_e164():
    n = parse_number("+33 6 39 98 00 12")
    assert n.e164 == "+33639980012"
    assert n.jurisdiction == "FR"
    assert n.kind is NumberKind.MOBILE
    assert n.zones == ("Europe/Paris",)
    # the fiction range is unknown to phonenumbers' prefix data: the zone comes from the country
    assert n.zone_source is ZoneSource.COUNTRY


def test_zone_provenance_from_the_number_prefix():
    n = parse_number("+1 201 555 0123")
    assert (n.jurisdiction, n.zones, n.zone_source) == ("US", ("America/New_York",), ZoneSource.NUMBER_PREFIX)


def test_national_format_needs_and_uses_the_region():
    with pytest.raises(InputError, match="--region"):
        parse_number("06 39 98 00 12")
    assert parse_number("06 39 98 00 12", region="fr").e164 == "+33639980012"


def test_uk_is_accepted_as_an_alias_for_gb():
    assert parse_number("07700 900123", region="UK").e164 == "+447700900123"


def test_ofcom_drama_numbers_are_valid_mobiles_in_gb():
    n = parse_number("+447700900123")
    assert (n.jurisdiction, n.kind) == ("GB", NumberKind.MOBILE)


@pytest.mark.parametrize("raw", ["06 39 98 00 00", "06 39 98 45 67", "06 39 98 99 99"])
def test_the_whole_arcep_fiction_range_is_valid_french_mobiles(raw):
    n = parse_number(raw, region="FR")
    assert (n.jurisdiction, n.kind) == ("FR", NumberKind.MOBILE)


def test_overseas_departments_belong_to_the_french_pack():
    n = parse_number("+262262123456")
    assert (n.region, n.jurisdiction) == ("RE", "FR")
    assert n.zones == ("Indian/Reunion",)


@pytest.mark.parametrize(
    "raw,problem",
    [
        ("", "empty"),
        ("hello", "no country code"),
        ("+hello", "not a phone number"),
        ("+4477", "not a valid"),
        ("+999123456789", "phone number"),
    ],
)
def test_rejects_what_is_not_a_dialable_number(raw, problem):
    with pytest.raises(InputError, match=problem) as info:
        parse_number(raw)
    assert info.value.location is not None and info.value.location.field == "number"


def test_rejects_a_region_that_is_not_iso():
    with pytest.raises(InputError, match="ISO 3166"):
        parse_number("0612345678", region="France")


def test_ulids_are_crockford_base32_of_time_then_randomness():
    from dialgate.adapters.clock import encode_ulid

    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    value = (1790000000000 << 80) | int.from_bytes(bytes(range(10)), "big")
    expected = "".join(alphabet[(value >> shift) & 31] for shift in range(125, -1, -5))
    assert encode_ulid(1790000000000, bytes(range(10))) == expected
    assert encode_ulid(0, bytes(10)) == "0" * 26


def test_ulids_made_in_bulk_are_unique_consecutive_and_sorted():
    from dialgate.adapters.clock import UlidGenerator

    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    ids = UlidGenerator().new_ids(5000)
    values = [sum(alphabet.index(ch) << (5 * k) for k, ch in enumerate(reversed(i))) for i in ids]
    assert len(ids) == 5000 and all(len(i) == 26 for i in ids)
    assert values == list(range(values[0], values[0] + 5000))  # consecutive, hence unique and sorted
    assert UlidGenerator().new_ids(0) == []
