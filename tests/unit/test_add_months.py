"""Calendar months on epoch seconds: one instant (a single check) is added in plain Python, many as
arrays; both must agree everywhere, month ends and leap days included."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dialgate.domain.calendar import add_months

SECONDS = st.integers(0, 4_102_444_800)  # 1970 to 2100


@settings(max_examples=400, derandomize=True, deadline=None)
@given(SECONDS, st.integers(0, 36))
def test_one_instant_agrees_with_the_array_form(t: int, months: int) -> None:
    one = add_months(np.array([t], dtype=np.int64), months)
    many = add_months(np.array([t, t], dtype=np.int64), months)
    assert one.dtype == many.dtype == np.int64
    assert int(one[0]) == int(many[0]) == int(many[1])


def test_month_ends() -> None:
    jan31 = 1_832_893_200  # 2028-01-31T01:00:00Z
    feb29 = 1_835_398_800  # 2028-02-29T01:00:00Z
    for t in ([jan31], [jan31, jan31]):
        assert add_months(np.array(t, dtype=np.int64), 1)[0] == feb29
