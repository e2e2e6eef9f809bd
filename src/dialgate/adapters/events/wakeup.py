"""Waking the webhook dispatcher: PostgreSQL LISTEN/NOTIFY, or short polling where there is none."""

from __future__ import annotations

import asyncio
import contextlib
import threading

import psycopg

from dialgate.adapters.db.feed import NOTIFY_CHANNEL


class PollingWakeup:
    """SQLite has no notifications: look again every `interval` seconds (a cheap indexed read)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval

    async def wait(self, timeout: float) -> None:
        await asyncio.sleep(max(0.0, min(timeout, self.interval)))

    def close(self) -> None:
        pass


class PgNotifyWakeup:
    """A thread LISTENs on its own connection and sets an asyncio event on every NOTIFY.

    The feed's flush sends NOTIFY inside the writing transaction, so PostgreSQL delivers it at commit:
    the dispatcher wakes within milliseconds. After a (re)connection it wakes once anyway, in case a
    notification went by while nobody listened; the caller's timeout is the last-resort poll.
    """

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    async def wait(self, timeout: float) -> None:
        if self._event is None:
            self._loop, self._event = asyncio.get_running_loop(), asyncio.Event()
            self._thread = threading.Thread(target=self._listen, name="dialgate-listen", daemon=True)
            self._thread.start()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout)
        self._event.clear()  # before the caller reads: a NOTIFY during that read wakes the next wait

    def _signal(self) -> None:
        loop, event = self._loop, self._event
        if loop is not None and event is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self._signal()
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=0.5, stop_after=1):
                            self._signal()
            except psycopg.Error:
                self._stop.wait(1.0)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
