"""Bulk parsing answers exactly what parse_number answers, for every input, and rarely needs it: with
numpy's steps and with the compiled ones the services use."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

import numpy as np
import phonenumbers
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneNumberFormat, PhoneNumberType

from dialgate.adapters.compiled_parse import CompiledSteps
from dialgate.domain import numbering_data
from dialgate.domain.bulk_numbers import (
    NumberDigits,
    ParsedColumns,
    ParseSteps,
    numpy_steps,
    parse_bulk,
    parse_one,
)
from dialgate.domain.numbers import parse_number
from dialgate.errors import InputError

PACK_REGIONS = ["TR", "IT", "DE", "PL", "BR", "FR", "US", "GB", "ES"]
OTHER_REGIONS = [
    "CA",
    "AU",
    "GG",
    "JE",
    "JP",
    "AR",
    "MX",
    "IN",
    "CN",
    "RE",
    "PR",
    "NL",
]  # XX: refused (clean_region)
TYPES = [PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE, PhoneNumberType.VOIP]


def single(text: str, region: str | None):
    try:
        return parse_number(text, region)
    except InputError:
        return None


@pytest.fixture(params=["numpy", "compiled"])
def steps(request: pytest.FixtureRequest) -> ParseSteps:
    return numpy_steps if request.param == "numpy" else CompiledSteps()


def assert_bulk_equals_single(tables, texts: list[str], region: str | None, steps: ParseSteps) -> int:
    bulk = parse_bulk(NumberDigits.from_strings(texts), region, tables, steps)
    for row, text in enumerate(texts):
        assert bulk.number(row) == single(text, region), (text, region)
        if bulk.valid[row]:  # the place is the five fields it stands for, whichever step parsed the row
            fields = (bulk.region, bulk.zone_set, bulk.subdivision, bulk.jurisdiction, bulk.zone_source)
            assert bulk.places[bulk.place[row]] == tuple(int(f[row]) for f in fields), (text, region)
    assert len(set(bulk.places)) == len(bulk.places)  # each place once: equal places share a code
    return bulk.parsed_singly


def _layouts(rng: random.Random, e164: str, national: str) -> Iterator[str]:
    digits = e164[1:]
    yield e164
    yield f"{e164[:3]} {e164[3:6]} {e164[6:]}"
    yield f"{e164[:2]} ({e164[2:5]}) {e164[5:8]}-{e164[8:]}"
    yield f"00{digits}"
    yield f"011{digits}"
    yield f" +{digits[:2]}-{digits[2:]} "
    yield digits
    yield national
    yield national.replace(" ", "")
    yield "0" + national
    yield f"{digits[: rng.randrange(1, 4)]} (0) {digits[rng.randrange(1, 4) :]}"


def _mutate(rng: random.Random, e164: str) -> str:
    keep = rng.randrange(3, len(e164))
    tail = "".join(rng.choice("0123456789") for _ in range(len(e164) - keep + rng.choice([-1, 0, 0, 1])))
    return e164[:keep] + tail


def generated_inputs(seed: int = 2026) -> list[tuple[str, str | None]]:
    """Mixed countries in many layouts, with and without a region; fiction ranges; garbage."""
    rng = random.Random(seed)
    regions = [r for rs in COUNTRY_CODE_TO_REGION_CODE.values() for r in rs if r != "001"]
    out: list[tuple[str, str | None]] = []
    for region in regions:
        for kind in TYPES:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            e164 = phonenumbers.format_number(example, PhoneNumberFormat.E164)
            national = phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL)
            for text in [*_layouts(rng, e164, national), _mutate(rng, e164), _mutate(rng, e164)]:
                out.append((text, rng.choice([None, region, *PACK_REGIONS, *OTHER_REGIONS])))
    # Every E.164 prefix dialgate's own tables know (fiction ranges, telemarketing prefixes, ...).
    for prefix in _overlay_prefixes():
        for _ in range(4):
            length = rng.randrange(max(len(prefix), 8), 16)
            number = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix)))
            out.append((number, None))
            out.append((number, rng.choice(PACK_REGIONS)))
    for npa in [*numbering_data.US_NPA_ZONES, *numbering_data.US_NPA_STATE, "555", "800", "212"]:
        line = rng.randrange(10**7)
        for text in (f"+1{npa}{line:07d}", f"({npa}) 555-01{line % 100:02d}", f"1-{npa}-555-0100"):
            out.append((text, rng.choice(["US", "CA", None])))
    for prefix in numbering_data.ES_PREFIX_COMMUNITY:  # provinces: the community's holidays
        rest = "".join(rng.choice("0123456789") for _ in range(9 - len(prefix)))
        out.append((f"+34{prefix}{rest}", None))
        out.append((f"{prefix}{rest}", "ES"))
    for ddd in ("11", "21", "61", "81", "91", "97", "55", "90"):
        for lead in ("", "0", "0 15 ", "90", "+55 ", "0055 ", "00 "):
            out.append((f"{lead}{ddd} 9{rng.randrange(10**8):08d}", rng.choice(["BR", "BR", None])))
    alphabet = "0123456789 +-().x#ab/\t"
    for _ in range(4000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 22)))
        out.append((text, rng.choice([None, *PACK_REGIONS, *OTHER_REGIONS])))
    return out


def _overlay_prefixes() -> list[str]:
    """Every "+digits" string found in numbering_data, keys or values, however its tables are shaped."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str) and re.fullmatch(r"\+\d{2,}", value):
            found.add(value)
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(k)
                walk(v)
        elif isinstance(value, list | tuple | set | frozenset):
            for v in value:
                walk(v)

    for name in dir(numbering_data):
        if name.isupper():
            walk(getattr(numbering_data, name))
    return sorted(found)


def test_bulk_parsing_equals_single_parsing_on_many_thousands_of_inputs(number_tables, steps):
    inputs = generated_inputs()
    assert len(inputs) > 10_000
    by_region: dict[str | None, list[str]] = {}
    for text, region in inputs:
        by_region.setdefault(region, []).append(text)
    for region, texts in by_region.items():
        assert_bulk_equals_single(number_tables, texts, region, steps)


COMMON = {
    None: ["+1 (212) 555-0123", "+44 7700 900123", "+44 (0)20 7946 0000", "+33 6 39 98 00 12", "+49 30 23125000",
           "+55 11 91234-5678", "+90 212 000 0100", "+39 06 1234 5678", "+48 22 000 01 00", "+34 710 000 100"],
    "US": ["(212) 555-0123", "1-212-555-0123", "212.555.0123", "2125550123", "011 44 7700 900123"],
    "GB": ["07700 900123", "020 7946 0000", "0044 7700 900123"],
    "FR": ["06 39 98 00 12", "0033639980012"],
    "DE": ["030 23125000", "0171 3920000"],
    "BR": ["(11) 91234-5678", "011 91234 5678", "0 15 11 91234 5678"],
    "TR": ["0212 000 0100"], "IT": ["06 1234 5678", "310 000 0100"], "PL": ["22 000 01 00"], "ES": ["710 000 100"],
}  # fmt: skip


@pytest.mark.parametrize("region", list(COMMON))
def test_common_layouts_are_parsed_without_calling_phonenumbers(number_tables, region, steps):
    assert assert_bulk_equals_single(number_tables, COMMON[region], region, steps) == 0


def test_repeated_inputs_left_to_phonenumbers_are_parsed_once(number_tables, steps):
    texts = ["tel: +44 7700 900123"] * 50 + ["call me"] * 50
    assert assert_bulk_equals_single(number_tables, texts, None, steps) == 2


def test_empty_and_blank_inputs_are_invalid_without_parsing(number_tables, steps):
    bulk = parse_bulk(NumberDigits.from_strings(["", "   ", "\t"]), "US", number_tables, steps)
    assert not bulk.valid.any() and bulk.parsed_singly == 0


def test_unreadable_rows_are_invalid_whatever_their_digits(number_tables, steps):
    texts = ["+1 212 555 0123", "+44 7700 900123", "(212) 555-0199", "call me"]
    raw = NumberDigits.from_strings(texts)
    unreadable = np.array([False, True, True, True])
    bulk = parse_bulk(
        NumberDigits(raw.shape, raw.value, raw.count, raw.text_of, unreadable), "US", number_tables, steps
    )
    assert bulk.valid.tolist() == [True, False, False, False] and bulk.parsed_singly == 0


# Inputs that take the steps' rarer turns: national numbers longer than any country's, and the country
# code written without '+' in a region that is not its code's main one (read with the main's rules).
RARE_PATHS = {
    # phonenumbers refuses more than 250 characters, whatever the digits: 250 are read, 251 are not
    None: [
        "+" + "3" * 19,
        "+49" + "1" * 16,
        "+1" + "2" * 17,
        "+336" + " " * 238 + "39980012",
        "+336" + " " * 239 + "39980012",
        "+33 6 39 98 00 12" + "." * 240,
    ],
    "US": ["1" * 19, "+" + "4" * 19, "1212" + "5" * 15],
    "CA": ["1 416 555 0123", "14165550123", "1 800 555 0123", "1" + "4" * 17],
    "GG": ["44 1481 200000", "441481200000", "44 7781 123456", "44 20 7946 0000", "0044 1481 200000"],
    "JE": ["44 1534 700000", "44 7797 700000", "44 020 7946 0000"],
    "RE": ["262 262 123456", "262 692 123456", "33 6 39 98 00 12"],
    "FR": ["06 39 98 00 12" + " " * 237 + "0", "  06 39 98 00 12" + "-" * 236 + "  "],
}


def test_the_compiled_steps_fill_every_column_as_numpys_do(number_tables):
    """Not only the answers parse_number can be compared with: each column, and which rows go to it."""
    compiled = CompiledSteps()
    by_region: dict[str | None, list[str]] = {}
    for text, region in generated_inputs(seed=7):
        by_region.setdefault(region, []).append(text)
    for region, texts in RARE_PATHS.items():
        by_region.setdefault(region, []).extend(texts)
    for region, texts in by_region.items():
        raw = NumberDigits.from_strings(texts)
        expected = ParsedColumns.empty(len(texts), number_tables)
        got = ParsedColumns.empty(len(texts), number_tables)
        left = numpy_steps(raw, region, number_tables, expected)
        assert compiled(raw, region, number_tables, got).tolist() == left.tolist(), region
        for name in (
            "valid",
            "key",
            "country_code",
            "region",
            "jurisdiction",
            "kind",
            "zone_set",
            "zone_source",
            "subdivision",
            "place",
        ):
            assert getattr(got, name).tolist() == getattr(expected, name).tolist(), (region, name)


def test_a_region_that_is_not_iso_fails_the_whole_column(number_tables, steps):
    with pytest.raises(InputError, match="ISO 3166"):
        parse_bulk(NumberDigits.from_strings(["0612345678"]), "France", number_tables, steps)


def test_facts_come_with_their_tables(number_tables):
    bulk = parse_bulk(
        NumberDigits.from_strings(["+1 850 555 0100", "+33 6 39 98 00 12", "junk"]), None, number_tables
    )
    assert list(bulk.e164()) == ["+18505550100", "+33639980012", ""]
    us = bulk.number(0)
    assert us is not None and us.jurisdiction == "US" and len(us.zones) >= 1
    assert bulk.zone_sets[bulk.zone_set[1]] == ("Europe/Paris",)


_cc = st.sampled_from(
    ["1", "44", "33", "49", "39", "34", "48", "90", "55", "262", "7", "61", "81", "999", "0"]
)
_rest = st.text(alphabet="0123456789", min_size=0, max_size=14)
_lead = st.sampled_from(["", "+", "00", "011", "0", " ", "(", "+("])
_noise = st.text(alphabet=" -().+0123456789", max_size=6)
_number = st.builds(lambda lead, cc, rest, noise: lead + cc + noise + rest, _lead, _cc, _rest, _noise)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    texts=st.lists(
        st.one_of(_number, st.text(alphabet=" -().+0123456789x", max_size=20)), min_size=1, max_size=40
    ),
    region=st.sampled_from([None, *PACK_REGIONS, "CA", "AU", "GG", "JP"]),
)
@example(texts=["100", "01126200000000000000000000"], region="US")  # more digits than 10**19 holds
def test_bulk_parsing_equals_single_parsing_for_any_text(number_tables, steps, texts, region):
    assert_bulk_equals_single(number_tables, texts, region, steps)


# --- one number through the tables (the single check's parse) ---------------------------------------------


def _random_international(seed: int, count: int) -> list[str]:
    """A "+" and a country code of every plan, then random digits: mostly invalid, some valid of each
    plan, with and without the national prefix written after the country code."""
    rng = random.Random(seed)
    busy = ["1", "33", "39", "44", "48", "49", "55", "90", "34"]  # the packs' codes, more often
    codes = [str(cc) for cc in COUNTRY_CODE_TO_REGION_CODE] + busy * 20
    out = []
    for _ in range(count):
        cc = rng.choice(codes)
        rest = "".join(rng.choice("0123456789") for _ in range(rng.randrange(1, 15)))
        out.append("+" + cc + rng.choice(["", "", "", "0", " (0) "]) + rest)
    return out


def _one_by_one_inputs() -> dict[str | None, list[str]]:
    by_region: dict[str | None, list[str]] = {None: _random_international(seed=5, count=40_000)}
    for text, region in generated_inputs(seed=11):
        by_region.setdefault(region, []).append(text)
    for layouts in (COMMON, RARE_PATHS):
        for region, texts in layouts.items():
            by_region.setdefault(region, []).extend(texts)
    return by_region


def test_one_number_takes_the_bulk_steps_path(number_tables):
    """Row for row what numpy's steps find, the rows they leave to parse_number included (None both
    times), in every region: each branch of each step is taken here."""
    for region, texts in _one_by_one_inputs().items():
        columns = ParsedColumns.empty(len(texts), number_tables)
        left = numpy_steps(NumberDigits.from_strings(texts), region, number_tables, columns).tolist()
        bulk = columns.result(0)
        for row, text in enumerate(texts):
            expected = None if left[row] else bulk.number(row)
            assert parse_one(text, region, number_tables) == expected, (text, region)


def test_one_number_through_the_tables_is_parse_numbers_answer(number_tables):
    """Whenever the tables settle a number, it is exactly parse_number's; and they settle nearly every
    valid number."""
    settled = left = 0
    for region, texts in _one_by_one_inputs().items():
        for text in texts:
            number = parse_one(text, region, number_tables)
            if number is not None:
                settled += 1
                assert number == single(text, region), (text, region)
            elif single(text, region) is not None:
                left += 1
    assert settled > 5_000
    assert left < settled / 20  # what the tables leave to phonenumbers is rare


@pytest.mark.parametrize("region", list(COMMON))
def test_common_layouts_are_settled_by_the_tables_one_by_one(number_tables, region):
    for text in COMMON[region]:
        number = parse_one(text, region, number_tables)
        assert number is not None and number == single(text, region), text


@pytest.mark.parametrize(
    ("text", "region"),
    [("", "FR"), ("+", None), ("+4", None), ("0044 7700 900123", None), ("7700 900123", None),
     ("+44 7700 900123 x12", None), ("+999 1234 5678", None), ("tel: 06 39 98 00 12", "FR")],
)  # fmt: skip
def test_inputs_the_steps_do_not_settle_are_left_to_parse_number(number_tables, text, region):
    assert parse_one(text, region, number_tables) is None
