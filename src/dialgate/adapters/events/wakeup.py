"""Waking the webhook dispatcher: PostgreSQL LISTEN/NOTIFY, or short polling where there is none."""

from __future__ import annotations

import asyncio
import contextlib
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

    async def wait(self, timeout: float) -> None:
        event = self.bind()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)
        event.clear()  # before the caller reads: a signal during that read wakes the next wait


class PollingWakeup:
    """SQLite has no notifications: look again every `interval` seconds (a cheap indexed read).

    Commits made in this same process (the usual `dialgate serve` with one worker) wake it at once.
    """

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._signal = _Signal()
        add_commit_listener(self._signal.set_threadsafe)

    async def wait(self, timeout: float) -> None:
        await self._signal.wait(max(0.0, min(timeout, self.interval)))

    def close(self) -> None:
        remove_commit_listener(self._signal.set_threadsafe)


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
