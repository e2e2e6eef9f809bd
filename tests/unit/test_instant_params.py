"""Bulk appends cut an instant's SQLite text out of its canonical ledger text instead of formatting it again:
both must give the very text every other write stores (SQLite compares instants as text)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from dialgate.adapters.db.types import canonical_instant_param, raw_instant
from dialgate.domain.timeutil import format_instant

_zones = st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-9, minutes=-30))])


@given(st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30), timezones=_zones))
def test_the_canonical_text_gives_the_stored_text_of_an_instant(moment):
    canonical = format_instant(moment)
    assert canonical_instant_param(canonical, sqlite=True) == raw_instant(moment, sqlite=True)
    assert datetime.fromisoformat(canonical_instant_param(canonical, sqlite=False)) == moment
