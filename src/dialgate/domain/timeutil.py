"""Instants on the wire and in the ledger: always timezone-aware, serialised in UTC with microseconds."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from dialgate.errors import InputError


@cache
def zone_info(name: str) -> ZoneInfo:
    """The zone, held for the life of the process. ZoneInfo's own cache keeps only the last eight zones
    asked for (and the ones still referenced): a check of numbers across more zones read each tz file
    from disk again, 60 µs a time."""
    return ZoneInfo(name)


def format_instant(moment: datetime) -> str:
    """Canonical form used in hashes: 2026-11-23T12:30:00.000000Z."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime reached the canonical form")
    if moment.tzinfo is not UTC:  # instants from the store and the clock are UTC already
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"  # "+00:00" becomes "Z"


def parse_instant(text: str, field: str = "at") -> datetime:
    """ISO 8601 with an offset or Z. A naive time is refused: whose 14:00 would it be?"""
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"'{text}' is not an ISO 8601 instant such as 2026-11-23T14:00:00+01:00").at(
            field=field
        ) from None
    if moment.tzinfo is None:
        shown = value if len(value) > 10 else f"{value}T00:00:00"  # a date alone: its midnight
        raise InputError(
            f"'{text}' has no UTC offset; write it as {shown}Z or {shown}+01:00 so the instant is unambiguous"
        ).at(field=field)
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is in year 0 in UTC
        moment = datetime.min.replace(tzinfo=UTC)
    if not _EARLIEST <= moment < _LATEST:
        raise InputError(f"'{text}' is outside the instants dialgate keeps (from 1970 to 9998)").at(
            field=field
        )
    return moment


# Epoch seconds throughout (the engine, the store's EPOCH()) assume instants after 1970; the last year
# is kept clear of datetime's upper edge so that adding a day or an offset never overflows.
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(9999, 1, 1, tzinfo=UTC)


def parse_date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"'{text}' is not an ISO 8601 date such as 2026-12-31").at(field=field) from None


def utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC)
