"""The decision log: decisions are queued in memory and inserted in batches by a background thread,
so the hot path never waits on the database. `flush()` drains the queue (CLI exit, tests, shutdown)."""

from __future__ import annotations

import atexit
import logging
import threading
from collections import deque
from collections.abc import Sequence

from sqlalchemy import Engine, insert
from sqlalchemy.exc import DBAPIError

from dialgate.adapters.db.tables import DecisionRow, table

_decisions = table(DecisionRow)
log = logging.getLogger("dialgate.decision_log")


class BackgroundDecisionLog:
    def __init__(self, engine: Engine, *, interval_s: float = 0.25, max_batch: int = 5000) -> None:
        self._engine = engine
        self._queue: deque[dict[str, object]] = deque()
        self._interval, self._max_batch = interval_s, max_batch
        self._wake = threading.Event()
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        atexit.register(self.flush)

    def record(self, records: Sequence[dict[str, object]]) -> None:
        self._queue.extend(records)
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="dialgate-decision-log", daemon=True
                    )
                    self._thread.start()
        if len(self._queue) >= self._max_batch:
            self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait(self._interval)
            self._wake.clear()
            self._drain()

    def _drain(self) -> None:
        with self._idle:
            while self._queue:
                batch = [self._queue.popleft() for _ in range(min(self._max_batch, len(self._queue)))]
                try:
                    with self._engine.begin() as conn:
                        conn.execute(insert(_decisions), batch)
                except DBAPIError as exc:  # never lose the hot path to the audit log; say so loudly
                    log.error("decision_log.write_failed", extra={"rows": len(batch), "error": str(exc.orig)})
            self._idle.notify_all()

    def flush(self) -> None:
        if self._queue:
            self._drain()
