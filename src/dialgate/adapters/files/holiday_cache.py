"""Public holiday tables cached on disk, in front of the `holidays` package.

One JSON file per version of the package holds every table any process has asked for, so a scrub or a
worker that meets a country it met before reads a few kilobytes instead of importing every country's
module (a third of a second). A missing or damaged file is rebuilt as tables are asked for.
"""

from __future__ import annotations

import json
import threading
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from dialgate.adapters.files.durable import write_whole
from dialgate.domain.holiday_tables import HolidaySource, from_library


def _package_version() -> str:
    try:
        return version("holidays")
    except PackageNotFoundError:  # pragma: no cover - a dependency of dialgate
        return "unknown"


class CachedHolidays:
    """holiday_tables.HolidaySource over a cache directory; `compute` answers what it lacks."""

    def __init__(self, directory: Path, compute: HolidaySource = from_library) -> None:
        self.directory = directory
        self._compute = compute
        self._tables: dict[str, dict[str, str]] | None = None
        self._lock = threading.Lock()

    def path(self) -> Path:
        return self.directory / f"holidays-{_package_version()}.json"

    def __call__(self, country: str, subdiv: str | None, year: int) -> dict[date, str]:
        key = f"{country}|{subdiv or ''}|{year}"
        with self._lock:
            if self._tables is None:
                self._tables = self._read()
            found = self._tables.get(key)
            if found is None:
                found = {day.isoformat(): name for day, name in self._compute(country, subdiv, year).items()}
                # what other processes added since this one read the file is kept
                self._tables = {**self._read(), **self._tables, key: found}
                self._write(self._tables)
        return {date.fromisoformat(day): name for day, name in found.items()}

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            tables = json.loads(self.path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(tables, dict) or not all(isinstance(t, dict) for t in tables.values()):
            return {}
        return tables

    def _write(self, tables: dict[str, dict[str, str]]) -> None:
        text = json.dumps(tables, ensure_ascii=False, sort_keys=True).encode("utf-8")
        try:
            write_whole(self.path(), lambda out: out.write(text))
        except OSError:  # a cache: answering matters, keeping it does not
            return
