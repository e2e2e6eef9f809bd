"""parse_number asks phonenumbers for a number's type once and derives its validity and time zones from
it (domain/numbers.py). Held here to phonenumbers' own answers asked separately, as parse_number asked
them before, over random numbers of many countries, valid and not."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import timezone as pn_timezone

from dialgate.domain import numbers
from dialgate.domain.numbers import ZoneSource
from dialgate.errors import InputError

# Country codes of the packs and of their neighbours, NANP (many regions behind +1) and non-geographic +800.
COUNTRY_CODES = [1, 33, 39, 44, 49, 48, 90, 55, 34, 262, 590, 352, 7, 61, 81, 800, 882]


def random_numbers(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)  # random digits: no real subscriber is meant, most are not even assigned
    out = []
    for _ in range(count):
        cc = rng.choice(COUNTRY_CODES)
        length = rng.randint(6, 12)
        out.append(f"+{cc}{rng.randint(10 ** (length - 1), 10**length - 1)}")
    return out


@pytest.mark.parametrize("seed", range(3))
def test_validity_region_kind_and_zones_are_phonenumbers_own(seed: int) -> None:
    agreed = valid = 0
    for raw in random_numbers(seed, 2000):
        parsed = phonenumbers.parse(raw, None)
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        if numbers.numbering.extra_range(e164) is not None:
            continue  # dialgate's own ranges, not phonenumbers' answer
        try:
            ours = numbers._parse_cached.__wrapped__(raw, None)  # type: ignore[attr-defined]
        except InputError:
            assert not phonenumbers.is_valid_number(parsed), raw
            agreed += 1
            continue
        assert phonenumbers.is_valid_number(parsed), raw
        assert ours.region == (phonenumbers.region_code_for_number(parsed) or "001"), raw
        assert ours.kind == numbers._KIND_OF.get(phonenumbers.number_type(parsed), numbers.NumberKind.UNKNOWN)
        if ours.zone_source == ZoneSource.NUMBER_PREFIX:
            expected = sorted(z for z in pn_timezone.time_zones_for_number(parsed) if z != "Etc/Unknown")
            assert list(ours.zones) == expected, raw
        agreed += 1
        valid += 1
    assert agreed > 1900 and valid > 100  # most were compared, and enough of them were valid
