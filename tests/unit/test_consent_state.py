"""consent_state folds a single check's one row in plain Python and a batch's rows as arrays; both
must agree on every row, at the boundaries too (captured at the instant checked, a lifetime or an
expiry ending at it, the clock restarted by a later call)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dialgate.domain.campaign import Campaign
from dialgate.domain.rules.common import consent_state, days, months
from dialgate.domain.rules.frame import NEVER, AttemptColumns, ConsentColumns, Frame
from dialgate.domain.vocabulary import Purpose
from tests.unit.test_engine_properties import Facts, _twice, frame_of

AT = 1_795_000_000  # 2026-11-18
DAY = 86_400


def _base(n: int) -> Frame:
    campaign = Campaign("c", "acme", Purpose.MARKETING, caller_id="+33162000000", countries=("FR",))
    facts = Facts(("+33639980012",), campaign, "+33162000000", (None, False, None), (), (False,), (),
                  (), (1,), False)  # fmt: skip
    return frame_of(facts if n == 1 else _twice(facts), datetime.fromtimestamp(AT, UTC))


ONE, TWO = _base(1), _base(2)
offsets = st.one_of(
    st.sampled_from([0, 1, -1, -90 * DAY, -90 * DAY + 1, -90 * DAY - 1, -92 * DAY, -3 * 31 * DAY]),
    st.integers(-800 * DAY, 30 * DAY),
)


@settings(max_examples=500, derandomize=True, deadline=None)
@given(
    st.integers(0, 2), st.integers(0, 2), offsets, st.one_of(st.just(None), offsets), offsets,
    st.sets(st.integers(0, 2), min_size=1), st.dictionaries(st.integers(0, 2), st.sampled_from(["d90", "m3", "m24"])),
    st.booleans(),
)  # fmt: skip
def test_the_single_row_fold_agrees_with_the_columns(
    status: int, basis: int, captured: int, expires: int | None, last_use: int, bases: set[int],
    lifetime_names: dict[int, str], from_last_use: bool,
) -> None:  # fmt: skip
    made = {"d90": days(90), "m3": months(3), "m24": months(24)}
    lifetimes = {b: made[name] for b, name in lifetime_names.items()}

    def columns(n: int) -> ConsentColumns:
        def col(value: int, dtype: type) -> np.ndarray:
            return np.full(n, value, dtype=dtype)

        return ConsentColumns(col(status, np.int8), col(basis, np.int8), col(0, np.int8),
                              col(AT + captured, np.int64), col(NEVER if expires is None else AT + expires, np.int64),
                              col(True, bool), col(False, bool), col(0, np.int8), col(0, np.int8))  # fmt: skip

    def attempts(n: int) -> AttemptColumns:
        return AttemptColumns.empty(n, np.full(n, max(0, AT + last_use), dtype=np.int64))

    one = replace(ONE, consent=columns(1), attempts=attempts(1))
    two = replace(TWO, consent=columns(2), attempts=attempts(2))
    single = consent_state(one, bases, lifetimes, from_last_use)
    batch = consent_state(two, bases, lifetimes, from_last_use)
    for s, b in zip(single, batch, strict=True):
        assert s.dtype == b.dtype
        assert s.tolist() == b[:1].tolist() == b[1:].tolist()
