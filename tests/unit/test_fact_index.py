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


def _rows_equal(a, b) -> bool:
    """Two ConsentRows / AttemptRows with the same rows, field by field."""
    return all(np.array_equal(getattr(a, f), getattr(b, f)) and getattr(a, f).dtype == getattr(b, f).dtype
               for f in a.__dataclass_fields__)  # fmt: skip


def test_one_number_reads_as_the_column_read_of_that_number():
    """for_one (the single check) against for_rows: random facts over a few numbers, added in steps so
    that both runs hold some, with instants on and beside the window's edges and repeated sequences."""
    from dialgate.domain.rules.fact_index import ATTEMPT_FIELDS, CONSENT_FIELDS, BrandIndex

    rng = np.random.default_rng(11)
    index = BrandIndex.empty()
    names = ["call", "sms", "marketing", "all", "survey", "fr", "spring", "other"]
    code = dict(zip(names, index.codes.encode(names).tolist(), strict=True))
    since, until = 1_795_168_800_250_000, 1_795_426_200_500_000  # microseconds
    edges = np.array([since - 1, since, since + 1, until - 1, until, until + 1, since - 86_400_000_000])
    for size in (6, 5000, 9, 4200, 3):
        keys = rng.integers(1, 12, size).astype(np.uint64)
        consents = rng.integers(0, 3, (size, len(CONSENT_FIELDS)))
        consents[:, 0] = rng.integers(1_700_000_000, 1_700_000_100, size)  # ties in capture instants
        consents[:, 1] = rng.integers(1, 50, size)
        consents[:, 6] = rng.integers(1_700_000_000, 1_800_000_000, size)
        consents[:, 8] = rng.choice([code["call"], code["sms"]], size)
        consents[:, 9] = rng.choice([code["marketing"], code["all"], code["survey"]], size)
        dnc = np.stack([rng.integers(0, 4, size), rng.integers(0, 2, size)], axis=1)  # equal seqs too
        attempts = np.zeros((size, len(ATTEMPT_FIELDS)), np.int64)
        attempts[:, 0] = np.where(rng.random(size) < 0.5, rng.choice(edges, size),
                                  rng.integers(since - 10**12, until + 10**12, size))  # fmt: skip
        attempts[:, 1] = rng.integers(0, 2, size)
        attempts[:, 2] = rng.choice([code["fr"], code["spring"], code["other"]], size)
        attempts[:, 3] = rng.choice([code["marketing"], code["survey"]], size)
        index = BrandIndex(index.consents.added(keys, consents.astype(np.int64)),
                           index.dnc.added(keys, dnc.astype(np.int64)),
                           index.attempts.added(keys, attempts), index.codes)  # fmt: skip
        for key in range(0, 13):
            for channel, purpose, campaign in [("call", "marketing", "fr"), ("sms", "survey", "spring"),
                                               ("call", "unknown", "nowhere")]:  # fmt: skip
                one = index.for_one(key, channel, purpose, campaign, since, until)
                cols = index.for_rows(np.array([key], np.uint64), np.array([True]), channel, purpose, campaign,
                                      since, until)  # fmt: skip
                assert _rows_equal(one[0], cols[0]), (size, key)
                assert one[1] == bool(cols[1][0]) and one[3] == int(cols[3][0]), (size, key)
                assert _rows_equal(one[2], cols[2]), (size, key)
