"""SQLite's dispatcher wakeup: it looks at the outbox only when some connection has committed."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

from dialgate.adapters.events.wakeup import PollingWakeup


def _run(path: Path, *statements: str) -> None:
    """Statements committed by a connection of their own, as another process would."""
    with sqlite3.connect(path) as conn:
        for sql in statements:
            conn.execute(sql)


def _commit(path: Path) -> None:
    _run(path, "INSERT INTO t VALUES (1)")


def _store(tmp_path: Path, *statements: str) -> Path:
    path = tmp_path / "store.db"
    _run(path, "CREATE TABLE t (x INTEGER)", *statements)
    return path


def test_a_commit_by_another_connection_is_seen_and_an_idle_file_is_not(tmp_path: Path) -> None:
    path = _store(tmp_path)
    with closing(PollingWakeup(0.01, str(path))) as wakeup:
        assert wakeup._changed()  # the first look always reads
        assert not wakeup._changed()
        assert not wakeup._changed()
        _commit(path)
        assert wakeup._changed()
        assert not wakeup._changed()


def test_only_a_change_in_the_watched_tables_wakes_it(tmp_path: Path) -> None:
    path = _store(tmp_path, "CREATE TABLE heads (brand TEXT PRIMARY KEY, seq INTEGER)",
                  "INSERT INTO heads VALUES ('acme', 1)")  # fmt: skip
    with closing(PollingWakeup(0.01, str(path), ("heads",))) as wakeup:
        assert wakeup._changed()  # the first look always reads
        _commit(path)  # a commit elsewhere (the decision log, a lease): no look
        assert not wakeup._changed()
        _run(path, "UPDATE heads SET seq = 2")
        assert wakeup._changed()
        assert not wakeup._changed()
        _run(path, "UPDATE heads SET seq = 2")  # a commit that writes the same values changes nothing read
        assert not wakeup._changed()
        _run(path, "INSERT INTO heads VALUES ('globex', 1)")
        assert wakeup._changed()


def test_a_watched_table_it_cannot_read_means_look(tmp_path: Path) -> None:
    path = _store(tmp_path)
    with closing(PollingWakeup(0.01, str(path), ("missing",))) as wakeup:
        assert wakeup._changed()
        assert wakeup._changed()  # the error dropped the connection: the next look reads again


def test_wait_returns_once_another_process_commits(tmp_path: Path) -> None:
    path = _store(tmp_path)

    async def scenario(wakeup: PollingWakeup) -> bool:
        assert wakeup._changed()  # the baseline
        waiting = asyncio.ensure_future(wakeup.wait(30.0))
        await asyncio.sleep(0.05)
        idle = waiting.done()  # nothing committed: still waiting
        _commit(path)
        await asyncio.wait_for(waiting, 10.0)  # woken by the commit, long before its own timeout
        return idle

    with closing(PollingWakeup(0.01, str(path))) as wakeup:
        assert asyncio.run(scenario(wakeup)) is False


def test_without_a_file_it_wakes_every_interval() -> None:
    with closing(PollingWakeup(0.01, None)) as wakeup:
        asyncio.run(asyncio.wait_for(wakeup.wait(30.0), 10.0))
        assert wakeup._changed()
