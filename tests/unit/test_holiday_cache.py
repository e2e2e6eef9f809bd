"""Holiday tables cached on disk: the same answers as the holidays package, without importing it."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from dialgate.adapters.files.holiday_cache import CachedHolidays
from dialgate.domain.holiday_tables import from_library


class Counting:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str | None, int]] = []

    def __call__(self, country: str, subdiv: str | None, year: int) -> dict[date, str]:
        self.asked.append((country, subdiv, year))
        return from_library(country, subdiv, year)


def _refuse(country: str, subdiv: str | None, year: int) -> dict[date, str]:
    raise AssertionError(f"computed {country} {subdiv} {year} although it was cached")


def test_a_table_is_computed_once_and_read_back_by_another_process(tmp_path):
    compute = Counting()
    cache = CachedHolidays(tmp_path, compute)
    first = cache("FR", None, 2026)
    assert first == from_library("FR", None, 2026)
    assert first[date(2026, 7, 14)]  # Bastille Day, whatever the name's language
    assert cache("FR", None, 2026) == first
    assert compute.asked == [("FR", None, 2026)]
    assert CachedHolidays(tmp_path, _refuse)("FR", None, 2026) == first
    assert cache.path().name.startswith("holidays-") and cache.path().suffix == ".json"


def test_tables_added_by_two_processes_are_both_kept(tmp_path):
    one, two = CachedHolidays(tmp_path), CachedHolidays(tmp_path)
    one("FR", None, 2026)
    two("US", "LA", 2027)
    one("DE", "BY", 2026)  # one had read the file before two added its table
    kept = json.loads(one.path().read_text(encoding="utf-8"))
    assert set(kept) == {"FR||2026", "US|LA|2027", "DE|BY|2026"}


@pytest.mark.parametrize("damage", ["{not json", '["a list"]', '{"FR||2026": 3}'])
def test_a_damaged_cache_is_rebuilt(tmp_path, damage):
    cache = CachedHolidays(tmp_path)
    cache.path().write_text(damage, encoding="utf-8")
    assert CachedHolidays(tmp_path)("FR", None, 2026) == from_library("FR", None, 2026)
    assert "FR||2026" in json.loads(cache.path().read_text(encoding="utf-8"))


def test_a_process_answered_from_the_cache_never_imports_the_holidays_package(tmp_path):
    CachedHolidays(tmp_path)("FR", None, 2026)
    code = f"""
import sys
from datetime import date
from pathlib import Path
from dialgate.adapters.files.holiday_cache import CachedHolidays
from dialgate.domain import calendar, deadlines, holiday_tables
holiday_tables.use_source(CachedHolidays(Path({str(tmp_path)!r})))
assert calendar.holiday_name("FR", None, date(2026, 7, 14))
assert date(2026, 12, 25) in deadlines.public_holidays("FR")
print("holidays" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
