"""The decision log: decisions are queued in memory and inserted in batches by a background thread,
so the hot path never waits on the database. `flush()` drains the queue (CLI exit, tests, shutdown)."""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
import zlib
from collections import deque
from collections.abc import Sequence
from datetime import datetime

import orjson
from sqlalchemy import Engine, Table
from sqlalchemy.exc import DBAPIError

from dialgate.adapters.db.engine import writer_lock
from dialgate.adapters.db.tables import DecisionBatchRow, DecisionRow, table
from dialgate.adapters.db.types import raw_instant

_decisions, _batches = table(DecisionRow), table(DecisionBatchRow)
log = logging.getLogger("dialgate.decision_log")


class BackgroundDecisionLog:
    def __init__(self, engine: Engine, *, interval_s: float = 0.25, max_batch: int = 5000) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self._writer = writer_lock(engine) or contextlib.nullcontext()
        # rows wait as ready parameter tuples: built by the caller, so the writer thread holds the GIL
        # only briefly (a long hold would stall the checks answering meanwhile)
        self._queue: deque[tuple[object, ...]] = deque()
        self._batches: deque[tuple[object, ...]] = deque()
        self._columns = {t.name: [c.name for c in t.columns] for t in (_decisions, _batches)}
        self._interval, self._max_batch = interval_s, max_batch
        self._wake = threading.Event()
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        atexit.register(self.flush)

    def record(self, records: Sequence[dict[str, object]]) -> None:
        self._queue.extend(self._tuple(_decisions, r) for r in records)
        self._start()
        if len(self._queue) >= self._max_batch:
            self._wake.set()

    def record_batch(self, batch: dict[str, object]) -> None:
        payload = batch["payload"]
        # compressed in the writer thread would hold the GIL just the same: do it here, once
        batch = {
            **batch,
            "payload": zlib.compress(orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY), 1),
        }
        self._batches.append(self._tuple(_batches, batch))
        self._start()

    def _start(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="dialgate-decision-log", daemon=True
                    )
                    self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait(self._interval)
            self._wake.clear()
            self._drain()

    def _drain(self) -> None:
        with self._idle:
            while self._queue or self._batches:
                rows = [self._queue.popleft() for _ in range(min(self._max_batch, len(self._queue)))]
                batches = [self._batches.popleft() for _ in range(min(50, len(self._batches)))]
                try:
                    with self._writer, self._engine.begin() as conn:
                        if rows:
                            # plain executemany: SQLAlchemy's per-value processing cost more than the insert
                            conn.exec_driver_sql(self._sql(_decisions), rows)
                        if batches:
                            conn.exec_driver_sql(self._sql(_batches), batches)
                except DBAPIError as exc:  # never lose the hot path to the audit log; say so loudly
                    log.error(
                        "decision_log.write_failed",
                        extra={"fields": {"rows": len(rows) + len(batches), "error": str(exc.orig)}},
                    )
            self._idle.notify_all()

    def _sql(self, table: Table) -> str:
        mark = "?" if self._sqlite else "%s"
        columns = [c.name for c in table.columns]
        return f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"  # noqa: S608 (fixed names)

    def _tuple(self, table: Table, record: dict[str, object]) -> tuple[object, ...]:
        out: list[object] = []
        for name in self._columns[table.name]:
            value = record.get(name)
            if isinstance(value, datetime):
                value = raw_instant(value, self._sqlite)
            elif isinstance(value, dict | list):
                value = orjson.dumps(
                    value, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
                ).decode()
            out.append(value)
        return tuple(out)

    def flush(self) -> None:
        if self._queue or self._batches:
            self._drain()
