import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from dialgate.domain import distinct
from dialgate.domain.distinct import distinct_masks, distinct_rows

# Bit positions and column values that stay below the counting limit or go past it (sorted instead).
_bits = st.lists(st.integers(0, 63), min_size=1, max_size=20, unique=True)
_values = st.sampled_from([3, 300, 70_000, 2**40])


@given(_bits, st.integers(0, 60), st.integers(0, 2**32 - 1))
def test_masks_are_grouped_as_np_unique_groups_them(bits, n, seed):
    rng = np.random.default_rng(seed)
    chosen = rng.random((n, len(bits))) < 0.3
    masks = (chosen.astype(np.uint64) << np.array(bits, dtype=np.uint64)).sum(axis=1, dtype=np.uint64)
    found, inverse = distinct_masks(masks)
    expected, expected_inverse = np.unique(masks, return_inverse=True)
    assert found.dtype == np.uint64
    assert found.tolist() == expected.tolist()
    assert inverse.tolist() == expected_inverse.ravel().tolist()


@given(st.lists(_values, min_size=1, max_size=4), st.integers(0, 60), st.integers(0, 2**32 - 1))
def test_rows_are_grouped_in_the_order_of_their_tuples(highs, n, seed):
    rng = np.random.default_rng(seed)
    columns = [rng.integers(0, high, n).astype(np.uint64) for high in highs]
    first, inverse = distinct_rows(columns)
    tuples = list(zip(*(c.tolist() for c in columns), strict=True))
    ordered = sorted(set(tuples))
    assert [tuples[i] for i in first] == ordered
    assert [ordered[g] for g in inverse.tolist()] == tuples


def test_values_past_the_counting_limit_are_sorted_to_the_same_answer(monkeypatch):
    column = np.array([9, 5, 9, 7], dtype=np.uint16)
    monkeypatch.setattr(distinct, "COUNTING_LIMIT", 4)
    first, inverse = distinct_rows([column])
    assert column[first].tolist() == [5, 7, 9]
    assert inverse.tolist() == [2, 0, 2, 1]
