"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out (SQLite has no time zones; PostgreSQL uses timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime passed to the store")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:  # noqa: ARG002
        if value is None:
            return None
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value  # raw SQLite text
        assert isinstance(moment, datetime)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def raw_instant(moment: datetime, sqlite: bool) -> Any:
    """An aware instant as a raw DBAPI parameter for a UTCDateTime column: SQLAlchemy's SQLite text
    ("YYYY-MM-DD HH:MM:SS.ffffff", compared as text, so always with microseconds), or as is for PostgreSQL."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime passed to the store")
    if not sqlite:
        return moment
    # isoformat, not strftime: the same text at a fraction of the cost (the single check's hot path)
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(" ", "microseconds")[:-6]  # without "+00:00"


def canonical_instant_param(text: str, sqlite: bool) -> str:
    """An instant in the ledger's canonical text (2026-11-23T12:30:00.000000Z) as a raw DBAPI parameter for
    a UTCDateTime column: raw_instant's SQLite text, cut out of it instead of formatted again; PostgreSQL
    reads the canonical text as it is."""
    return text[:10] + " " + text[11:-1] if sqlite else text
