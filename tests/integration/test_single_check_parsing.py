"""A few numbers are parsed through the prefix tables once the process has loaded them (serve does at
start), and the decisions are those phonenumbers' parse gives; a one-off command never builds them."""

from __future__ import annotations

import orjson
import pytest

from dialgate.adapters.files.number_tables_cache import CachedNumberTables
from dialgate.api.render import decisions_json
from dialgate.services import brands, campaigns, check
from dialgate.services.check import CheckRequest, evaluate_request

CAMPAIGN = """
id = "world"
brand = "acme"
purpose = "marketing"
caller_id = "+33162000000"
countries = ["FR", "US", "GB", "DE", "PL", "IT", "BR"]
"""
NUMBERS = ["+33639980012", "+33 6 39 98 00 14", "+44 (0)20 7946 0000", "+12125550123", "+491713920012",
           "+39 06 1234 5678", "+55 11 91234-5678", "06 39 98 00 15", "0044 7700 900123", "+999 1234", "garbage", ""]  # fmt: skip


@pytest.fixture
def world(rt, number_tables_dir):
    rt.number_tables = CachedNumberTables(number_tables_dir)
    brands.add_brand(rt, "acme")
    campaigns.apply_campaign(rt, CAMPAIGN, file="world.toml")
    return rt


def _answers(rt) -> list[dict[str, object]]:
    checked = evaluate_request(rt, CheckRequest("world", NUMBERS, at="2026-11-23T11:30:00Z", region="FR"))
    return [
        {k: v for k, v in d.items() if k != "check_id"}
        for d in orjson.loads(decisions_json(checked))["decisions"]
    ]


def test_loaded_tables_parse_the_numbers_with_the_same_decisions(world, monkeypatch):
    asked: list[str] = []
    real = check.parse_number

    def counted(raw: str, region: str | None = None):  # type: ignore[no-untyped-def]
        if raw != "+33162000000":  # the caller ID (parsed once, for the campaign)
            asked.append(raw)
        return real(raw, region)

    monkeypatch.setattr(check, "parse_number", counted)
    assert world.number_tables.loaded() is None
    before = _answers(world)
    assert asked == NUMBERS  # not loaded: every number through phonenumbers, and no build was started
    assert world.number_tables.loaded() is None

    world.number_tables.load()
    asked.clear()
    assert _answers(world) == before
    assert asked == ["+999 1234", "garbage", ""]  # an unknown country code, and what is not a number
