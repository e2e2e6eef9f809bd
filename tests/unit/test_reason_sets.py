import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from dialgate.domain.rules.engine import _sets_by_bits, _sets_by_rows


@st.composite
def hits(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(1, 40))
    d = draw(st.integers(1, 64))
    found = []
    for desc in draw(st.lists(st.integers(0, d - 1), max_size=12)):
        rows = draw(st.lists(st.integers(0, n - 1), max_size=n, unique=True))
        found.append((desc, np.array(sorted(rows), dtype=np.intp)))
    return n, d, found


@given(hits())
def test_both_groupings_give_every_row_the_same_reason_set(case):
    n, d, found = case
    by_bits, bit_sets = _sets_by_bits(n, d, found)
    by_rows, row_sets = _sets_by_rows(n, d, found)
    assert [bit_sets[i] for i in by_bits] == [row_sets[i] for i in by_rows]
    assert len(bit_sets) == len(set(bit_sets)) == len(row_sets)
