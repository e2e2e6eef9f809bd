import pytest

from dialgate.domain.campaign import parse_campaign_toml
from dialgate.errors import InputError

PACKS = ("TR", "IT", "DE", "PL", "BR", "FR", "US", "GB", "ES")
GOOD = """
id = "it-winter-2026"
brand = "enercom"
purpose = "marketing"
caller_id = "+390844123456"
countries = ["IT", "UK"]
registries = ["IT-RPO"]
code_of_conduct = ["IT"]
vendors = ["callco"]

[limits]
max_attempts = { count = 3, days = 7 }
hours = { mon-fri = "09:00-19:00", sat = ["10:00-12:00", "14:00-16:00"] }
"""


def parse(text):
    return parse_campaign_toml(text, file="c.toml", supported_countries=PACKS)


def test_reads_every_key_of_the_contract():
    c = parse(GOOD)
    assert c.countries == ("IT", "GB")
    assert c.limits.max_attempts.count == 3
    hours = c.limits.hours
    assert hours.spans(0) == ((540, 1140),)
    assert hours.spans(5) == ((600, 720), (840, 960))
    assert hours.spans(6) == ()  # days not named are closed: limits only narrow


@pytest.mark.parametrize(
    "change,field,words",
    [
        (('purpose = "marketing"', 'purpose = "marketting"'), "purpose", "use one of"),
        (('countries = ["IT", "UK"]', 'countries = ["JP"]'), "countries", "no rule pack"),
        (('id = "it-winter-2026"', 'id = "It Winter"'), "id", "lowercase"),
        (("count = 3", "count = 0"), "limits.max_attempts", "count"),
        (('mon-fri = "09:00-19:00"', 'mon-fri = "19:00-09:00"'), "limits.hours.mon-fri", "start before end"),
        (("mon-fri =", "weekdays ="), "limits.hours.weekdays", "day"),
        (('vendors = ["callco"]', 'vendors = ["callco"]\ncolour = "red"'), "colour", "unknown key"),
    ],
)
def test_errors_name_the_file_and_the_key(change, field, words):
    with pytest.raises(InputError, match=words) as info:
        parse(GOOD.replace(*change))
    assert info.value.location.file == "c.toml"
    assert info.value.location.field == field


def test_malformed_toml_names_the_line():
    with pytest.raises(InputError, match="line 3") as info:
        parse('id = "x"\nbrand = "b"\npurpose = = "sales"\n')
    assert info.value.location.file == "c.toml"


def test_missing_required_key():
    with pytest.raises(InputError, match="required") as info:
        parse('id = "x"\npurpose = "sales"\ncountries = ["FR"]\n')
    assert info.value.location.field == "brand"
