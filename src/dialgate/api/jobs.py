"""Background work of one server worker: a daemon thread that runs queued scrubs one at a time.

One at a time because a scrub already uses every core it can get (polars and numpy release the GIL);
a daemon so that stopping the server never waits for a long scrub (the job then reads as stalled).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger("dialgate.jobs")


class BackgroundJobs:
    def __init__(self) -> None:
        self._queue: queue.Queue[Callable[[], None]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, work: Callable[[], None]) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="dialgate-jobs", daemon=True)
                self._thread.start()
        self._queue.put(work)

    def _run(self) -> None:
        while True:
            work = self._queue.get()
            try:
                work()
            except Exception:  # the work records its own failures; this only keeps the thread alive
                log.exception("background job failed")
            finally:
                self._queue.task_done()

    def wait(self) -> None:
        """Block until every submitted job has run (tests and orderly shutdowns)."""
        self._queue.join()
