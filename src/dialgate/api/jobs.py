"""Background work of one server worker: a daemon thread that runs queued scrubs one at a time, and a
sweeper that hands it the jobs no worker is running (queued by a worker that stopped, or whose worker
died mid-run).

One at a time because a scrub already uses every core it can get (polars and numpy release the GIL);
a daemon so that stopping the server never waits for a long scrub (another worker, or this one after a
restart, runs the job again).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger("dialgate.jobs")
SWEEP_EVERY = 30.0  # seconds; a dead worker's job is noticed after STALLED_AFTER, so this need not be quick


class BackgroundJobs:
    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[str, Callable[[], None]]] = queue.Queue()
        self._pending: set[str] = set()  # keys queued and not yet run: a sweep does not queue them twice
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, key: str, work: Callable[[], None]) -> None:
        """Queue `work` unless work with the same key is already waiting here."""
        with self._lock:
            if key in self._pending:
                return
            self._pending.add(key)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="dialgate-jobs", daemon=True)
                self._thread.start()
        self._queue.put((key, work))

    def _run(self) -> None:
        while True:
            key, work = self._queue.get()
            with self._lock:
                self._pending.discard(key)
            try:
                work()
            except Exception:  # the work records its own failures; this only keeps the thread alive
                log.exception("background job failed")
            finally:
                self._queue.task_done()

    def wait(self) -> None:
        """Block until every submitted job has run (tests and orderly shutdowns)."""
        self._queue.join()


class Sweeper:
    """Calls `sweep` at start and then every `every` seconds on a daemon thread, until stopped; a failed
    sweep (the store down, say) is logged and tried again at the next turn."""

    def __init__(self, sweep: Callable[[], None], every: float = SWEEP_EVERY) -> None:
        self._sweep, self._every = sweep, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dialgate-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                self._sweep()
            except Exception:
                log.exception("job sweep failed; trying again in %.0f s", self._every)
            if self._stop.wait(self._every):
                return

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
