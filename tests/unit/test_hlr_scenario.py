"""Scenario files: which number answers what, for the fake provider and hlr-sim alike."""

from pathlib import Path

import pytest

from dialgate.adapters.hlr.scenario import Scenario
from dialgate.domain.roaming import HlrStatus, Roaming
from dialgate.errors import InputError


def test_the_bundled_scenario_loads_and_covers_every_failure() -> None:
    scenario = Scenario.load()
    failures = {e.failure for e in scenario.exact.values() if e.failure}
    assert failures == {
        "timeout", "server", "rate-limited", "malformed", "wrong-number", "unknown-country", "auth", "unknown-number",
    }  # fmt: skip


def test_exact_numbers_beat_prefixes_and_longer_prefixes_beat_shorter() -> None:
    scenario = Scenario.parse(
        {
            "default": {"roaming": False},
            "numbers": [
                {"prefix": "+48451", "roaming": True, "roaming_country": "DE"},
                {"prefix": "+4845100012", "roaming": True, "roaming_country": "US"},
                {"number": "+48451000123", "status": "absent", "roaming": "unknown"},
            ],
        }
    )
    assert scenario.entry_for("+48451000123").status is HlrStatus.ABSENT
    assert scenario.entry_for("+48451000124").roaming_country == "US"
    assert scenario.entry_for("+48451999999").roaming_country == "DE"
    assert scenario.entry_for("+33639980000").roaming is Roaming.NO


def test_entries_inherit_the_default() -> None:
    scenario = Scenario.parse(
        {"default": {"mcc": "260", "mnc": "99"}, "numbers": [{"prefix": "+48", "mnc": "98"}]}
    )
    entry = scenario.entry_for("+48451000100")
    assert (entry.mcc, entry.mnc) == ("260", "98")


def test_failures_can_stop_after_a_number_of_lookups() -> None:
    entry = Scenario.parse(
        {"numbers": [{"number": "+48451000178", "failure": "server", "failures": 1}]}
    ).entry_for("+48451000178")
    assert entry.fails(1)
    assert not entry.fails(2)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"numbers": [{"number": "+48451000100", "roaming": "sometimes"}]}, "numbers[1]"),
        ({"numbers": [{"number": "+48451000100", "failure": "gremlins"}]}, "gremlins"),
        ({"numbers": [{"prefix": "48451"}]}, "E.164"),
        ({"numbers": [{"number": "+48451000100", "prefix": "+48"}]}, "exactly one"),
        ({"numbers": [{"number": "+48451000100", "colour": "red"}]}, "colour"),
        ({"numbers": [{"number": "+48451000100", "roaming_country": "Germany"}]}, "alpha-2"),
        ({"defaults": {}}, "unknown section"),
    ],
)
def test_bad_scenarios_are_refused_with_where_and_why(data: dict, problem: str) -> None:
    with pytest.raises(InputError, match=problem.replace("[", r"\[").replace("]", r"\]")):
        Scenario.parse(data, source="s.toml")


def test_json_files_work_as_well_as_toml(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"numbers": [{"number": "+48451000100", "roaming": true, "roaming_country": "US"}]}')
    assert Scenario.load(path).entry_for("+48451000100").roaming_country == "US"


def test_an_unreadable_file_names_itself(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[default\n")
    with pytest.raises(InputError, match=r"broken\.toml"):
        Scenario.load(path)
    with pytest.raises(InputError, match=r"missing\.toml"):
        Scenario.load(tmp_path / "missing.toml")
