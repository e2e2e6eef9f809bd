"""The store's HLR cache on SQLite and PostgreSQL: answers shared across processes and runs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from dialgate.adapters.db.hlr_cache import SqlHlrCache
from dialgate.adapters.hlr.sim import HlrSimulator
from dialgate.bootstrap import build
from dialgate.config import HlrSettings, Settings
from dialgate.domain.roaming import HlrResult, HlrStatus, Roaming, RoamingState, RoamingStatus
from tests.conftest import T0

# Fixtures whose answers say where the number is (absent phones are asked again: they may be back on).
NUMBERS = [f"+48451000{n}" for n in [*range(100, 140), *range(150, 170)]]


def result(number: str, *, country: str | None = "US", at=T0, provider: str = "fake") -> HlrResult:  # type: ignore[no-untyped-def]
    return HlrResult(
        number=number,
        status=HlrStatus.ACTIVE,
        roaming=Roaming.YES if country else Roaming.NO,
        roaming_country=country,
        ported=True,
        original_network="Fictional Mobile PL",
        current_network="Other Fictional Mobile PL",
        mcc="260",
        mnc="98",
        looked_up_at=at,
        provider=provider,
    )


def test_answers_are_stored_and_read_back_whole(container) -> None:
    cache = SqlHlrCache(container.engine)
    cache.put_many([result("+48451000120"), result("+48451000100", country=None)])
    found = cache.get_many(["+48451000120", "+48451000100", "+48451000199"], T0 - timedelta(hours=1))
    assert found == {
        "+48451000120": result("+48451000120"),
        "+48451000100": result("+48451000100", country=None),
    }


def test_answers_older_than_the_freshness_limit_are_not_read(container) -> None:
    cache = SqlHlrCache(container.engine)
    cache.put_many([result("+48451000120", at=T0 - timedelta(hours=2))])
    assert cache.get_many(["+48451000120"], T0 - timedelta(hours=1)) == {}
    assert cache.get_many(["+48451000120"], T0 - timedelta(hours=3)) != {}


def test_a_newer_answer_replaces_an_older_one_but_not_the_reverse(container) -> None:
    cache = SqlHlrCache(container.engine)
    cache.put_many([result("+48451000120", country="US", at=T0)])
    cache.put_many([result("+48451000120", country="DE", at=T0 + timedelta(minutes=5))])
    cache.put_many([result("+48451000120", country="TR", at=T0 - timedelta(minutes=5))])
    assert cache.get_many(["+48451000120"], T0)["+48451000120"].roaming_country == "DE"


def test_large_batches_are_written_and_read_in_chunks(container) -> None:
    cache = SqlHlrCache(container.engine)
    numbers = [f"+4845102{n:04d}" for n in range(5000)]
    cache.put_many([result(n) for n in numbers])
    assert len(cache.get_many(numbers, T0)) == 5000
    assert cache.prune(T0 + timedelta(seconds=1)) == 5000


def _settings(store_url: str, tmp_path: Path, sim_url: str, **hlr: object) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=store_url,
        hlr=HlrSettings(provider="http", url=sim_url, **hlr),  # type: ignore[arg-type]
    )


def test_a_second_run_in_a_new_runtime_is_served_from_the_store(
    store_url: str, tmp_path: Path, sim: HlrSimulator, sim_url: str, clock
) -> None:
    settings = _settings(store_url, tmp_path, sim_url)
    first = build(settings, clock=clock)
    try:
        before = first.runtime.roaming.resolve_sync(NUMBERS)
    finally:
        first.close()
    asked = sim.total
    second = build(settings, clock=clock)
    try:
        after = second.runtime.roaming.resolve_sync(NUMBERS)
    finally:
        second.close()
    assert sim.total == asked  # nothing new reached the provider
    assert {n: s.state for n, s in after.items()} == {n: s.state for n, s in before.items()}


def test_live_runtimes_share_answers_through_the_store(
    store_url: str, tmp_path: Path, sim: HlrSimulator, sim_url: str, clock
) -> None:
    settings = _settings(store_url, tmp_path, sim_url)
    worker_a, worker_b = build(settings, clock=clock), build(settings, clock=clock)
    try:
        assert worker_a.runtime.roaming.check_sync("+48451000120", budget=5).state is RoamingState.OUTSIDE_EEA
        worker_a.runtime.roaming.resolve_sync([])  # writes are flushed with the next batch
        assert worker_b.runtime.roaming.check_sync("+48451000120", budget=5).state is RoamingState.OUTSIDE_EEA
    finally:
        worker_a.close()
        worker_b.close()
    assert sim.requests["+48451000120"] == 1


def test_the_store_honours_the_ttl_too(
    store_url: str, tmp_path: Path, sim: HlrSimulator, sim_url: str, clock
) -> None:
    settings = _settings(store_url, tmp_path, sim_url, cache_ttl_seconds=3600)
    first = build(settings, clock=clock)
    first.runtime.roaming.resolve_sync(["+48451000120"])
    first.close()
    clock.advance(hours=2)
    second = build(settings, clock=clock)
    try:
        second.runtime.roaming.resolve_sync(["+48451000120"])
    finally:
        second.close()
    assert sim.requests["+48451000120"] == 2


def test_by_default_a_runtime_answers_from_the_bundled_fake(rt) -> None:
    status = rt.roaming.check_sync("+48451000120")
    assert status.state is RoamingState.OUTSIDE_EEA
    assert status.provider == "fake"


def test_the_hand_written_sql_names_every_column_of_the_table() -> None:
    from dialgate.adapters.db import hlr_cache
    from dialgate.adapters.db.tables import HlrCacheRow

    assert tuple(c.name for c in HlrCacheRow.__table__.columns) == hlr_cache._COLUMNS


def test_rows_written_through_the_orm_types_are_read_and_compared_alike(container) -> None:
    from sqlalchemy import insert

    from dialgate.adapters.db.tables import HlrCacheRow, table

    with container.engine.begin() as conn:
        conn.execute(
            insert(table(HlrCacheRow)).values(
                number="+48451000120", provider="fake", status="active", roaming="true", roaming_country="US",
                ported=False, original_network=None, current_network=None, mcc=None, mnc=None,
                looked_up_at=T0 + timedelta(microseconds=1),
            )
        )  # fmt: skip
    cache = SqlHlrCache(container.engine)
    assert cache.get_many(["+48451000120"], T0)["+48451000120"].looked_up_at == T0 + timedelta(microseconds=1)
    assert cache.get_many(["+48451000120"], T0 + timedelta(microseconds=2)) == {}


def test_statuses_are_read_straight_from_the_store(container) -> None:
    cache = SqlHlrCache(container.engine)
    cache.put_many([result("+48451000120", country="US"), result("+48451000110", country="DE"),
                    result("+48451000100", country=None)])  # fmt: skip
    found = cache.get_statuses(
        ["+48451000120", "+48451000110", "+48451000100", "+48451000199"], T0, fail_open=True
    )
    assert {n: s.state for n, s in found.items()} == {
        "+48451000120": RoamingState.OUTSIDE_EEA,
        "+48451000110": RoamingState.IN_EEA,
        "+48451000100": RoamingState.HOME,
    }
    assert found["+48451000120"] == RoamingStatus(RoamingState.OUTSIDE_EEA, "US", T0, "fake", None, True)
