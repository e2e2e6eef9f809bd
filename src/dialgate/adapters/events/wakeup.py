"""Waking the webhook dispatcher: PostgreSQL LISTEN/NOTIFY, or short polling where there is none."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading

import psycopg

from dialgate.adapters.db.feed import NOTIFY_CHANNEL, add_commit_listener, remove_commit_listener


class _Signal:
    """An asyncio event that other threads may set (created lazily in the waiting loop)."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.event: asyncio.Event | None = None

    def bind(self) -> asyncio.Event:
        if self.event is None:
            self.loop, self.event = asyncio.get_running_loop(), asyncio.Event()
        return self.event

    def set_threadsafe(self) -> None:
        loop, event = self.loop, self.event
        if loop is not None and event is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)

    async def wait(self, timeout: float) -> bool:
        """True when the signal came, False when the timeout passed first."""
        event = self.bind()
        came = True
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            came = False
        event.clear()  # before the caller reads: a signal during that read wakes the next wait
        return came


class PollingWakeup:
    """SQLite has no notifications: every `interval` seconds, ask the file whether anything committed.

    `PRAGMA data_version` on a connection of its own changes whenever any other connection, in any
    process, commits; it reads no table, so an idle server costs next to nothing (the dispatcher's full
    look at endpoints and heads took milliseconds of the GIL, twenty times a second, which the checks
    answering meanwhile waited for). Commits made in this same process wake it at once.

    Most commits concern something else (the decision log's batches, lease renewals: ten a second on a
    busy server), so after a commit the `watched` tables, small ones, are read whole on this connection
    and compared with the last look: only a change there wakes the caller.
    """

    def __init__(self, interval: float, database: str | None = None, watched: tuple[str, ...] = ()) -> None:
        self.interval = interval
        self._database = database  # None (or in memory): no change detection, wake every interval
        self._connection: sqlite3.Connection | None = None
        self._version: int | None = None
        assert all(t.isidentifier() for t in watched), "table names of our own schema"
        self._reads = [f"SELECT * FROM {t}" for t in watched]  # noqa: S608 (identifiers checked above)
        self._seen: list[list[tuple[object, ...]]] | None = None
        self._signal = _Signal()
        add_commit_listener(self._signal.set_threadsafe)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    async def wait(self, timeout: float) -> None:
        """Until something committed (in this process, or seen by the polling thread) or `timeout`."""
        self._signal.bind()
        if self._thread is None:
            # polled by a plain thread that only signals the loop: an asyncio timeout per poll ran the
            # loop's machinery twenty times a second, holding the GIL beside the checks
            self._thread = threading.Thread(target=self._poll, name="dialgate-wakeup", daemon=True)
            self._thread.start()
        await self._signal.wait(max(0.0, timeout))

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            if self._changed():
                self._signal.set_threadsafe()

    def _changed(self) -> bool:
        if not self._database or self._database == ":memory:":
            return True
        try:
            if self._connection is None:
                # a short timeout: a busy file must not hold up the next look for long
                self._connection = sqlite3.connect(
                    self._database,
                    timeout=0.5,
                    check_same_thread=False,
                    uri=self._database.startswith("file:"),
                )
            version = int(self._connection.execute("PRAGMA data_version").fetchone()[0])
            if version == self._version:
                return False
            self._version = version
            if not self._reads:
                return True
            seen = [self._connection.execute(sql).fetchall() for sql in self._reads]
        except sqlite3.Error:
            self._drop_connection()
            return True  # when in doubt, look
        changed, self._seen = seen != self._seen, seen
        return changed

    def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        self._version = self._seen = None
        if connection is not None:
            with contextlib.suppress(sqlite3.Error):
                connection.close()

    def close(self) -> None:
        remove_commit_listener(self._signal.set_threadsafe)
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._drop_connection()


class PgNotifyWakeup:
    """A thread LISTENs on its own connection and wakes the dispatcher on every NOTIFY.

    The feed's flush sends NOTIFY inside the writing transaction, so PostgreSQL delivers it at commit:
    the dispatcher wakes within milliseconds, whichever process committed. After a (re)connection it
    wakes once anyway, in case a notification went by while nobody listened; the caller's timeout is
    the last-resort poll.
    """

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._signal = _Signal()

    async def wait(self, timeout: float) -> None:
        if self._thread is None:
            self._signal.bind()
            self._thread = threading.Thread(target=self._listen, name="dialgate-listen", daemon=True)
            self._thread.start()
        await self._signal.wait(timeout)

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self._signal.set_threadsafe()
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=0.5, stop_after=1):
                            self._signal.set_threadsafe()
            except psycopg.Error:
                self._stop.wait(1.0)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
