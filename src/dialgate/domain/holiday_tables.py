"""Public holidays by country, subdivision and year, from one source set at start-up.

The `holidays` package answers them, but its first table costs a process a third of a second (its
package of countries imports every country's module, calendars included) plus the import itself. So
the source is a seam: bootstrap puts a disk cache in front of the package
(adapters/files/holiday_cache.py), and a process answered from the cache never imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from functools import lru_cache
from types import MappingProxyType

HolidaySource = Callable[[str, str | None, int], Mapping[date, str]]


def from_library(country: str, subdiv: str | None, year: int) -> dict[date, str]:
    """The `holidays` package's table: its holidays' dates and names."""
    import holidays  # imported when a table is first computed, not at start-up

    return dict(holidays.country_holidays(country, subdiv=subdiv, years=year).items())


_source: list[HolidaySource] = [from_library]


def use_source(source: HolidaySource) -> None:
    """Where tables not yet asked for in this process come from. Tables already answered stay: every
    source gives the same table for the same version of the package."""
    _source[0] = source


@lru_cache(maxsize=512)
def table(country: str, subdiv: str | None, year: int) -> Mapping[date, str]:
    """Date -> holiday name (read-only, shared by every thread)."""
    return MappingProxyType(dict(_source[0](country, subdiv, year)))
