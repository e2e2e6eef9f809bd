"""The decision log: decisions are queued in memory and inserted in batches by a background thread,
so the hot path never waits on the database. `flush()` drains the queue (CLI exit, tests, shutdown)."""

from __future__ import annotations

import atexit
import logging
import threading
import zlib
from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime

import orjson
from sqlalchemy import Engine, Table
from sqlalchemy.exc import DBAPIError

from dialgate.adapters.db.tables import DecisionBatchRow, DecisionRow, table

_decisions, _batches = table(DecisionRow), table(DecisionBatchRow)
log = logging.getLogger("dialgate.decision_log")


class BackgroundDecisionLog:
    def __init__(self, engine: Engine, *, interval_s: float = 0.25, max_batch: int = 5000) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self._queue: deque[dict[str, object]] = deque()
        self._batches: deque[dict[str, object]] = deque()
        self._interval, self._max_batch = interval_s, max_batch
        self._wake = threading.Event()
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        atexit.register(self.flush)

    def record(self, records: Sequence[dict[str, object]]) -> None:
        self._queue.extend(records)
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
        self._batches.append(batch)
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
                    with self._engine.begin() as conn:
                        if rows:
                            # plain executemany: SQLAlchemy's per-value processing cost more than the insert
                            conn.exec_driver_sql(
                                self._sql(_decisions), [self._tuple(_decisions, r) for r in rows]
                            )
                        if batches:
                            conn.exec_driver_sql(
                                self._sql(_batches), [self._tuple(_batches, b) for b in batches]
                            )
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
        for column in table.columns:
            value = record.get(column.name)
            if isinstance(value, datetime):
                utc = value.astimezone(UTC)
                value = utc.strftime("%Y-%m-%d %H:%M:%S.%f") if self._sqlite else utc
            elif isinstance(value, dict | list):
                value = orjson.dumps(
                    value, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
                ).decode()
            out.append(value)
        return tuple(out)

    def flush(self) -> None:
        if self._queue or self._batches:
            self._drain()
