"""Data tables for numbering.py. Provisional: completed from /work/notes research in a later commit."""

from __future__ import annotations

# prefix -> (prefix, total E.164 digit counts, kind, region, why)
EXTRA_RANGES: dict[str, tuple[str, tuple[int, ...], str, str, str]] = {
    "+447700900": ("+447700900", (12,), "mobile", "GB", "Ofcom drama range 07700 900000-900999"),
    "+441632960": ("+441632960", (12,), "fixed", "GB", "Ofcom drama range 01632 960000-960999"),
    "+442079460": ("+442079460", (12,), "fixed", "GB", "Ofcom drama range 020 7946 0000-0999"),
    "+33639980": ("+33639980", (11,), "mobile", "FR", "ARCEP fiction range 06 39 98 00 00-99 99"),
}
LONGEST_EXTRA_PREFIX = max(len(p) for p in EXTRA_RANGES)

US_NPA_ZONES: dict[str, tuple[str, ...]] = {
    "850": ("America/Chicago", "America/New_York"),
}
BR_DDD_ZONES: dict[str, tuple[str, ...]] = {}
US_NPA_STATE: dict[str, str] = {}
BR_DDD_UF: dict[str, str] = {}

REGION_ZONES: dict[str, tuple[str, ...]] = {
    "GB": ("Europe/London",),
    "DE": ("Europe/Berlin",),
    "FR": ("Europe/Paris",),
    "IT": ("Europe/Rome",),
    "PL": ("Europe/Warsaw",),
    "TR": ("Europe/Istanbul",),
    "ES": ("Atlantic/Canary", "Europe/Madrid"),
}
