"""The single check folds its number's consent events in plain Python; batches fold them as arrays.
Both must name the same governing event for every set of events, and it must be the one the rule says:
the latest of the campaign's party's own events and the other party's latest where that is a revocation."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dialgate.domain.rules.frame import ConsentColumns
from dialgate.domain.rules.inputs import ConsentRows, consent_columns, one_consent

# few distinct instants and sequence numbers, so ties on capture time are common
_event = st.tuples(
    st.integers(0, 3),  # row
    st.sampled_from(
        [100_000_000, 100_400_000, 100_700_000, 300_000_000]
    ),  # captured (µs), some in one second
    st.integers(1, 4),  # seq
    st.integers(1, 2),  # status
    st.integers(0, 2),  # basis
    st.integers(0, 1),  # party
    st.booleans(),  # from a register
    st.sampled_from([250, 10**9]),  # expires
    st.booleans(),  # evidence
)


def _rows(events: list[tuple[int, ...]]) -> ConsentRows:
    cols = list(zip(*events, strict=True))
    types = (np.intp, np.int64, np.int64, np.int8, np.int8, np.int8, bool, np.int64, bool)
    return ConsentRows(*(np.array(c, dtype=t) for c, t in zip(cols, types, strict=True)))


def _row(cols: ConsentColumns, i: int) -> tuple[object, ...]:
    return tuple(getattr(cols, f)[i].item() for f in cols.__dataclass_fields__)


def _expected(
    events: list[tuple[int, ...]], party: int
) -> tuple[tuple[int, ...] | None, tuple[int, ...] | None]:
    """The governing event and the party's own latest register record, written the slow and obvious way
    (events as read, without the row)."""
    order = {e: (e[0], e[1], i) for i, e in enumerate(events)}  # capture, sequence, arrival
    others = [e for e in events if e[4] != party]
    standing = [max(others, key=order.__getitem__)] if others else []
    speaking = [e for e in events if e[4] == party] + [e for e in standing if e[2] == 2]
    records = [e for e in events if e[4] == party and e[5]]
    record = max(records, key=order.__getitem__) if records else None
    if record is not None and any(e[2] == 2 and e[4] == party and e[:2] > record[:2] for e in events):
        record = (*record[:2], 2, *record[3:])  # the party's later revocation supersedes the register's
    return max(speaking, key=order.__getitem__) if speaking else None, record


@settings(max_examples=300, deadline=None)
@given(st.lists(_event, min_size=1, max_size=12), st.integers(0, 1))
def test_one_number_folds_as_the_batch_does(events: list[tuple[int, ...]], party: int) -> None:
    events = list(dict.fromkeys(events))  # distinct: the reference tells events apart by value
    batch = consent_columns(4, _rows(events), party)
    for i in range(4):
        mine = [e[1:] for e in events if e[0] == i]  # the single check's read: its events as rows
        assert _row(one_consent(mine, party), 0) == _row(batch, i)
        # a frame of one row built from columns (a scrub's, say) folds the same way
        single = (
            consent_columns(1, _rows([(0, *e) for e in mine]), party)
            if mine
            else consent_columns(1, ConsentRows.empty(), party)
        )
        assert _row(single, 0) == _row(batch, i)
        governing, record = _expected(mine, party)
        got = _row(batch, i)
        if governing is None:
            assert got[0] == 0  # no consent
        else:  # status, basis, party, captured, expires, evidence, from a register
            assert got[:7] == (governing[2], governing[3], governing[4], governing[0] // 1_000_000,
                               governing[6], governing[7], governing[5])  # fmt: skip
        assert got[7:] == ((record[2], record[4]) if record else (0, 0))  # the register's status and party
