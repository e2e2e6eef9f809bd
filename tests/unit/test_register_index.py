"""The register index file: what goes in comes out, however a block's numbers lie, dense or sparse, dated or not."""

from __future__ import annotations

import numpy as np
import pytest

from dialgate.adapters.registers.index import IndexFile, IndexWriter
from dialgate.adapters.registers.sorting import KeyCollector
from dialgate.domain.registry import NO_DATE

US_FICTION = np.array([12025550100 + i for i in range(100)], np.int64)  # +1 202 555 0100..0199


def write_index(path, keys, days=None, chunk=None, sub_bits=None):
    writer = IndexWriter(path, dated=days is not None, sub_bits=sub_bits)
    chunk = chunk or max(len(keys), 1)
    for start in range(0, len(keys), chunk):
        writer.add(keys[start : start + chunk], None if days is None else days[start : start + chunk])
    writer.finish()
    return IndexFile(path)


def random_us_keys(rng, n, area_codes=800):
    npa = rng.integers(200, 200 + area_codes, n)
    nxx = rng.integers(200, 1000, n)
    line = rng.integers(0, 10_000, n)
    return np.unique(10_000_000_000 + npa * 10_000_000 + nxx * 10_000 + line).astype(np.int64)


def probes_with_hits(rng, keys, n):
    hits = rng.choice(keys, n // 20)
    return np.concatenate((hits, random_us_keys(rng, n - hits.size))).astype(np.uint64)


def test_a_lookup_finds_exactly_the_listed_numbers(tmp_path):
    index = write_index(tmp_path / "a.dgx", US_FICTION[::2])
    hits = index.lookup(US_FICTION.astype(np.uint64))
    assert hits.member.tolist() == [i % 2 == 0 for i in range(100)]
    assert (hits.listed_on == NO_DATE).all()


@pytest.mark.parametrize("probe_count", [1, 7, 1_000, 200_000])
def test_lookups_agree_with_numpy(tmp_path, probe_count):
    rng = np.random.default_rng(7)
    keys = random_us_keys(rng, 200_000)
    index = write_index(tmp_path / "r.dgx", keys, chunk=30_001)
    probes = probes_with_hits(rng, keys, max(probe_count, 20))[:probe_count]
    hits = index.lookup(probes)
    assert np.array_equal(hits.member, np.isin(probes.astype(np.int64), keys))
    assert hits.member.sum() >= probe_count // 20 * 0.9


def block_layouts():
    """Blocks of 65,536 keys filled in ways that defeat a guess from the low bits: crowded at either
    end, in runs, every key, around the 64-low window's size, and a single number."""
    lows = np.arange(65_536, dtype=np.int64)
    rng = np.random.default_rng(11)
    yield "crowded low", lows[:3_000]
    yield "crowded high", lows[-3_000:]
    yield "runs", np.concatenate([lows[i : i + 40] for i in range(0, 65_536, 4_096)])
    yield "every key", lows
    yield "both ends", np.concatenate([lows[:500], lows[-500:]])
    for size in (1, 2, 63, 64, 65, 127, 128, 1_000):
        yield f"{size} random", np.sort(rng.choice(lows, size, replace=False))


@pytest.mark.parametrize("sub_bits", [None, 0, 5])
@pytest.mark.parametrize(("name", "lows"), list(block_layouts()), ids=[name for name, _ in block_layouts()])
def test_every_low_is_found_however_the_block_is_filled(tmp_path, name, lows, sub_bits):
    base = 12025550000 >> 16 << 16  # the block holding +1 202 555 0000
    # the block under test between two ordinary ones, so the search cannot run past its edges unseen
    before = base - 65_536 + np.arange(0, 65_536, 97)
    after = base + 65_536 + np.arange(0, 65_536, 89)
    keys = np.concatenate([before, base + lows, after]).astype(np.int64)
    index = write_index(tmp_path / "b.dgx", keys, sub_bits=sub_bits)
    every = np.arange(base - 65_536, base + 2 * 65_536, dtype=np.int64)  # every key of the three blocks
    hits = index.lookup(every.astype(np.uint64))
    assert np.array_equal(hits.member, np.isin(every, keys)), name
    shuffled = np.random.default_rng(5).permutation(every)
    assert np.array_equal(index.lookup(shuffled.astype(np.uint64)).member, np.isin(shuffled, keys)), name
    some = every[::13]
    assert [index.lookup_one(int(k))[0] for k in some] == np.isin(some, keys).tolist(), name


@pytest.mark.parametrize("sub_bits", range(6))
def test_every_cut_of_the_blocks_finds_the_same_numbers(tmp_path, sub_bits):
    rng = np.random.default_rng(sub_bits)
    keys = random_us_keys(rng, 300_000, area_codes=4)  # about 500 numbers a block
    days = rng.integers(15_000, 21_000, keys.size).astype(np.uint16)
    index = write_index(tmp_path / "c.dgx", keys, days, chunk=70_001, sub_bits=sub_bits)
    assert index.sub_bits == sub_bits
    probes = probes_with_hits(rng, keys, 100_000)
    hits = index.lookup(probes)
    listed = np.isin(probes.astype(np.int64), keys)
    assert np.array_equal(hits.member, listed)
    where = np.searchsorted(keys, probes[listed].astype(np.int64))
    assert np.array_equal(hits.listed_on[listed], days[where].astype(np.int32))
    one = [index.lookup_one(int(k)) for k in probes[:5_000]]  # the single check's way, key by key
    assert one == list(zip(hits.member[:5_000].tolist(), hits.listed_on[:5_000].tolist(), strict=True))


def test_sub_blocks_are_cut_to_the_numbers_per_block(tmp_path):
    rng = np.random.default_rng(2)
    crowded = write_index(tmp_path / "n.dgx", random_us_keys(rng, 300_000, area_codes=2))
    assert crowded.sub_bits == 5  # about 1,080 a block: 32 sub-blocks of about 34
    thin = write_index(tmp_path / "t.dgx", random_us_keys(rng, 30_000, area_codes=20))
    assert thin.sub_bits == 0  # about 10 a block
    assert thin.bytes < crowded.bytes


def test_listing_dates_come_back_with_their_numbers(tmp_path):
    rng = np.random.default_rng(3)
    keys = random_us_keys(rng, 100_000)
    days = rng.integers(15_000, 21_000, keys.size).astype(np.uint16)
    days[::7] = 0xFFFF  # some numbers without a listing date
    index = write_index(tmp_path / "d.dgx", keys, days)
    for probes in (keys[:1], keys[:500], keys):
        hits = index.lookup(probes.astype(np.uint64))
        expected = days[: probes.size].astype(np.int32)
        expected[expected == 0xFFFF] = NO_DATE
        assert hits.member.all()
        assert np.array_equal(hits.listed_on, expected)
    assert index.has_days
    # numbers not on it, between listed ones and beside them: no membership and no date
    missing = np.setdiff1d(np.concatenate([keys[:3000] + 1, keys[:3000] - 1, [0, 1]]), keys)
    mixed = np.random.default_rng(4).permutation(np.concatenate([missing, keys[:3000]]))
    hits = index.lookup(mixed.astype(np.uint64))
    listed = np.isin(mixed, keys)
    assert np.array_equal(hits.member, listed)
    assert (hits.listed_on[~listed] == NO_DATE).all()


def test_a_tiny_list_of_many_countries_stays_tiny(tmp_path):
    keys = np.array(
        sorted([12025550100, 33199001234, 447700900123, 390612345678, 5511900000100, 905100000100]), np.int64
    )
    index = write_index(tmp_path / "p.dgx", keys)
    assert index.sparse
    assert index.bytes < 512
    assert index.lookup(keys.astype(np.uint64)).member.all()
    assert not index.lookup(np.array([447700900124, 0, 1], np.uint64)).member.any()
    assert all(index.lookup_one(int(k)) == (True, NO_DATE) for k in keys)
    assert not any(index.lookup_one(k)[0] for k in (447700900124, 0, 1, 2**49))


def test_a_national_register_costs_about_two_bytes_a_number(tmp_path):
    rng = np.random.default_rng(5)
    keys = random_us_keys(rng, 500_000, area_codes=20)  # as dense as the US list in its 800 area codes
    index = write_index(tmp_path / "n.dgx", keys)
    assert not index.sparse
    assert index.bytes / keys.size < 2.5


def test_iterating_an_index_gives_back_every_key_in_order(tmp_path):
    rng = np.random.default_rng(9)
    keys = random_us_keys(rng, 50_000)
    index = write_index(tmp_path / "i.dgx", keys)
    out = np.concatenate([k for k, _ in index.iter_sorted(target=4096)])
    assert np.array_equal(out, keys)


def test_sorting_in_runs_gives_the_same_index_as_sorting_in_memory(tmp_path):
    rng = np.random.default_rng(11)
    keys = random_us_keys(rng, 60_000)
    shuffled = rng.permutation(np.concatenate((keys, keys[:5000])))  # with repeats
    collector = KeyCollector(tmp_path, budget_keys=7_000, dated=False)
    for start in range(0, shuffled.size, 3_333):
        collector.add(shuffled[start : start + 3_333])
    writer = IndexWriter(tmp_path / "s.dgx", dated=False)
    collector.write_to(writer)
    writer.finish()
    collector.cleanup()
    index = IndexFile(tmp_path / "s.dgx")
    assert index.count == keys.size
    assert np.array_equal(np.concatenate([k for k, _ in index.iter_sorted()]), keys)
    assert not list(tmp_path.glob("run*"))


def test_a_repeated_number_keeps_its_earliest_listing_date(tmp_path):
    collector = KeyCollector(tmp_path, budget_keys=1024, dated=True)
    collector.add(
        np.array([12025550100, 12025550100, 12025550101], np.int64),
        np.array([20_000, 19_000, 0xFFFF], np.uint16),
    )
    writer = IndexWriter(tmp_path / "e.dgx", dated=True)
    collector.write_to(writer)
    writer.finish()
    hits = IndexFile(tmp_path / "e.dgx").lookup(np.array([12025550100, 12025550101], np.uint64))
    assert hits.listed_on.tolist() == [19_000, NO_DATE]
