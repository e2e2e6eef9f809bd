"""The in-memory facts index finds every row of a number, whichever run holds it, in arrival order."""

from __future__ import annotations

import numpy as np

from dialgate.domain.rules.fact_index import Keyed


def test_rows_added_in_many_steps_are_all_found_in_arrival_order():
    rng = np.random.default_rng(7)
    keyed, seen = Keyed.empty(1), []
    for step, size in enumerate([3, 5000, 1, 40, 0, 7000, 2]):  # crosses the merge threshold twice
        keys = rng.integers(1, 300, size).astype(np.uint64)
        values = np.arange(len(seen), len(seen) + size, dtype=np.int64).reshape(-1, 1)
        keyed = keyed.added(keys, values)
        seen += list(zip(keys.tolist(), values[:, 0].tolist(), strict=True))
        assert keyed.size == len(seen) and len(keyed.runs) <= 2, step
    probe = np.array([0, 5, 17, 5, 299, 1000], dtype=np.uint64)
    rows, table = keyed.matches(probe)
    found = {i: [v for r, v in zip(rows.tolist(), table[:, 0].tolist(), strict=True) if r == i]
             for i in range(probe.size)}  # fmt: skip
    for i, key in enumerate(probe.tolist()):
        assert found[i] == [v for k, v in seen if k == key]  # every row, oldest first


def test_an_empty_index_matches_nothing():
    rows, table = Keyed.empty(3).matches(np.array([1, 2], dtype=np.uint64))
    assert rows.size == 0 and table.shape == (0, 3)
