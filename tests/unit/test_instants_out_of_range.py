"""Instants outside what the store and the engine can hold are refused with a message, not a crash."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dialgate.domain.timeutil import parse_instant
from dialgate.errors import InputError


@pytest.mark.parametrize(
    "text",
    [
        "0001-01-01T00:00:00+01:00",
        "0001-01-01T00:00:00Z",
        "1969-12-31T23:59:59Z",
        "9999-12-31T23:59:59-05:00",
    ],
)
def test_an_instant_out_of_range_names_the_field(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_instant(text, "captured_at")
    assert "outside the instants dialgate keeps" in str(caught.value)
    assert caught.value.location is not None
    assert caught.value.location.field == "captured_at"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1970-01-01T00:00:00Z", datetime(1970, 1, 1, tzinfo=UTC)),
        ("1970-01-01T01:00:00+01:00", datetime(1970, 1, 1, tzinfo=UTC)),
        ("9998-12-31T23:59:59Z", datetime(9998, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_the_edges_inside_the_range_are_kept(text: str, expected: datetime) -> None:
    assert parse_instant(text) == expected


@pytest.mark.parametrize("text", ["2026-11-23", "2026-11-23T14:00", "20261123", "2026-11-23 14:00:00.5"])
def test_an_instant_without_an_offset_is_refused_with_forms_that_parse(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_instant(text)
    suggested = caught.value.message.split("write it as ")[1].split(" so ")[0].split(" or ")
    assert len(suggested) == 2
    for form in suggested:
        parse_instant(form)  # each suggestion is itself a valid instant
