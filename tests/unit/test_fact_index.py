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


def _consent_row(cols, i: int) -> tuple[object, ...]:
    return tuple(getattr(cols, f)[i].item() for f in cols.__dataclass_fields__)


def _attempt_row(cols, i: int) -> tuple[object, ...]:
    lo, hi = int(cols.offsets[i]), int(cols.offsets[i + 1])
    return (*(getattr(cols, f)[lo:hi].tolist() for f in ("at", "same_campaign", "same_purpose", "refused")),
            int(cols.last_use[i]))  # fmt: skip


def test_one_number_reads_as_the_column_read_of_that_number():
    """for_one (the single check) against for_rows: random facts over a few numbers, added in steps so
    that both runs hold some, with instants on and beside the window's edges and repeated sequences."""
    from dialgate.domain.campaign import Campaign
    from dialgate.domain.rules.fact_index import ATTEMPT_FIELDS, CONSENT_FIELDS, BrandIndex
    from dialgate.domain.rules.inputs import attempt_columns, consent_columns
    from dialgate.domain.vocabulary import Party, Purpose

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
        consents[:, 8] = rng.choice(edges, size)  # known from: on and beside `until`
        consents[:, 9] = rng.choice([code["call"], code["sms"]], size)
        consents[:, 10] = rng.choice([code["marketing"], code["all"], code["survey"]], size)
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
            for channel, campaign in [("call", Campaign("fr", "b", Purpose.MARKETING)),
                                      ("sms", Campaign("spring", "b", Purpose.SURVEY, Party.BUSINESS)),
                                      ("call", Campaign("nowhere", "b", Purpose.SERVICE))]:  # fmt: skip
                consent, listed, attempts = index.for_one(key, channel, campaign, since, until)
                # the number among others, read and folded as a batch's frame is
                probe = np.array([99, key, 98], np.uint64)
                found, on_list, tried, last = index.for_rows(probe, np.ones(3, bool), channel, campaign, since,
                                                             until)  # fmt: skip
                assert _consent_row(consent, 0) == _consent_row(
                    consent_columns(3, found, int(campaign.party == Party.BUSINESS)), 1
                ), (size, key)
                assert listed == bool(on_list[1]), (size, key)
                assert _attempt_row(attempts, 0) == _attempt_row(attempt_columns(3, tried, last), 1), (
                    size,
                    key,
                )
