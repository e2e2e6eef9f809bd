"""Zones are read from disk once per process. ZoneInfo's own cache keeps the last eight zones asked for:
checks of numbers across more zones than that (the US alone has nine) read tz files again, 60 µs each."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import _common

from dialgate.domain import calendar
from dialgate.domain.timeutil import zone_info
from dialgate.domain.windows import parse_weekly

ZONES = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
    "America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico", "Europe/Paris", "Europe/London",
    "Europe/Berlin", "Europe/Rome", "America/Sao_Paulo", "Europe/Istanbul",
)  # fmt: skip


def test_a_zone_once_read_is_never_read_again(monkeypatch):
    reads: list[str] = []
    real = _common.load_data

    def counting(fobj):  # type: ignore[no-untyped-def]
        reads.append(getattr(fobj, "name", "?"))
        return real(fobj)

    rule = calendar.WindowRule(parse_weekly({"mon-fri": "09:00-21:00"}, "hours"))
    at = datetime(2026, 11, 23, 15, tzinfo=UTC)
    for name in ZONES:  # first use: each zone may be read
        calendar.closure(rule, (name,), at)
    monkeypatch.setattr(_common, "load_data", counting)
    for _ in range(3):
        for name in ZONES:
            calendar.closure(rule, (name,), at)
            assert zone_info(name) is zone_info(name)
    assert reads == []
