"""SQLite's dispatcher wakeup: it looks at the outbox only when some connection has committed."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from dialgate.adapters.events.wakeup import PollingWakeup


def _commit(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO t VALUES (1)")


def test_a_commit_by_another_connection_is_seen_and_an_idle_file_is_not(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
    wakeup = PollingWakeup(0.01, str(path))
    try:
        assert wakeup._changed()  # the first look always reads
        assert not wakeup._changed()
        assert not wakeup._changed()
        _commit(path)
        assert wakeup._changed()
        assert not wakeup._changed()
    finally:
        wakeup.close()


def test_only_a_change_in_the_watched_tables_wakes_it(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
        conn.execute("CREATE TABLE heads (brand TEXT PRIMARY KEY, seq INTEGER)")
        conn.execute("INSERT INTO heads VALUES ('acme', 1)")
    wakeup = PollingWakeup(0.01, str(path), ("heads",))
    try:
        assert wakeup._changed()  # the first look always reads
        _commit(path)  # a commit elsewhere (the decision log, a lease): no look
        assert not wakeup._changed()
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE heads SET seq = 2")
        assert wakeup._changed()
        assert not wakeup._changed()
        with sqlite3.connect(path) as conn:  # a commit that writes the same values changes nothing read
            conn.execute("UPDATE heads SET seq = 2")
        assert not wakeup._changed()
        with sqlite3.connect(path) as conn:
            conn.execute("INSERT INTO heads VALUES ('globex', 1)")
        assert wakeup._changed()
    finally:
        wakeup.close()


def test_a_watched_table_it_cannot_read_means_look(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
    wakeup = PollingWakeup(0.01, str(path), ("missing",))
    try:
        assert wakeup._changed()
        assert wakeup._changed()  # the error dropped the connection: the next look reads again
    finally:
        wakeup.close()


def test_wait_returns_once_another_process_commits(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
    wakeup = PollingWakeup(0.01, str(path))

    async def scenario() -> bool:
        assert wakeup._changed()  # the baseline
        waiting = asyncio.ensure_future(wakeup.wait(30.0))
        await asyncio.sleep(0.05)
        idle = waiting.done()  # nothing committed: still waiting
        _commit(path)
        await asyncio.wait_for(waiting, 10.0)  # woken by the commit, long before its own timeout
        return idle

    try:
        assert asyncio.run(scenario()) is False
    finally:
        wakeup.close()


def test_without_a_file_it_wakes_every_interval() -> None:
    wakeup = PollingWakeup(0.01, None)
    try:
        asyncio.run(asyncio.wait_for(wakeup.wait(30.0), 10.0))
        assert wakeup._changed()
    finally:
        wakeup.close()
