"""The decision log: decisions are queued in memory and inserted in batches by a background thread,
so the hot path never waits on the database. `flush()` drains the queue (CLI exit, tests, shutdown)."""

from __future__ import annotations

import atexit
import contextlib
import functools
import logging
import operator
import sys
import threading
import zlib
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC
from typing import Any

import orjson
from sqlalchemy import JSON, Engine, Table

from dialgate.adapters.db.engine import insert_sql, writer_lock
from dialgate.adapters.db.tables import DecisionBatchRow, DecisionRow, table
from dialgate.adapters.db.types import UTCDateTime, raw_instant

_decisions, _batches = table(DecisionRow), table(DecisionBatchRow)
log = logging.getLogger("dialgate.decision_log")


class _RowBuilder:
    """A record (dict) as the parameter tuple of its table's INSERT. Which columns need converting is
    decided once from the column types, not per value: this runs on the hot path of every check."""

    def __init__(self, table: Table, sqlite: bool) -> None:
        names = [c.name for c in table.columns]
        self._pick = operator.itemgetter(*names)
        instant = functools.partial(raw_instant, sqlite=sqlite)
        self._conversions: list[tuple[int, Callable[[Any], object]]] = [
            (i, instant if isinstance(c.type, UTCDateTime) else _document)
            for i, c in enumerate(table.columns)
            if isinstance(c.type, UTCDateTime | JSON)
        ]
        self._defaults = dict.fromkeys(names)
        self._instants = [i for i, c in enumerate(table.columns) if isinstance(c.type, UTCDateTime)]
        self._sqlite = sqlite

    def pick(self, record: dict[str, object]) -> tuple[object, ...]:
        """The record's values in column order for the SQLite writer, which converts them in SQL (see
        _sqlite_value): UTC instants as they are, any other (another offset, naive) as raw_instant
        converts or refuses it here."""
        try:
            row: tuple[object, ...] = self._pick(record)
        except KeyError:
            row = self._pick({**self._defaults, **record})
        for i in self._instants:
            value = row[i]
            if value is not None and getattr(value, "tzinfo", None) is not UTC:
                return tuple(
                    raw_instant(v, self._sqlite) if at in self._instants and v is not None else v  # type: ignore[arg-type]
                    for at, v in enumerate(row)
                )
        return row

    def __call__(
        self, record: dict[str, object], memo: dict[int, object] | None = None
    ) -> tuple[object, ...]:
        """`memo`: conversions already made in this call's batch, by object: rows of one request hand the
        same instants and detail documents to every row, and each is converted once. A lone record
        has nothing to share and goes without."""
        try:
            row = list(self._pick(record))  # a check's record names every column
        except KeyError:
            row = list(self._pick({**self._defaults, **record}))
        for i, convert in self._conversions:
            value = row[i]
            if value is None:
                continue
            if memo is None:
                row[i] = convert(value)
                continue
            # by identity: the caller keeps every record (so every id) alive until the batch is built
            found = memo.get(id(value), memo)
            if found is memo:
                found = memo[id(value)] = convert(value)
            row[i] = found
        return tuple(row)


_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def _document(value: Any) -> object:
    return orjson.dumps(value, option=_JSON_OPTIONS).decode()


def _sqlite_value(column: Any, i: int) -> tuple[str, str]:
    """The SQL that takes column i out of a row of the JSON array (see BackgroundDecisionLog) as a
    per-row insert would have stored it: instants as raw_instant's text, documents as their JSON text.
    Two parts: the value read out of the row once (`c<i>`), then that value converted. orjson writes a
    UTC instant as RFC 3339 ("2026-11-23T09:30:00.123456+00:00", no fraction when it is zero),
    rearranged here; any other instant arrives as raw_instant's text already (_RowBuilder.pick)."""
    value = f"c{i}"
    if isinstance(column.type, UTCDateTime):
        fraction = f"CASE WHEN substr({value}, 20, 1) = '.' THEN substr({value}, 21, 6) ELSE '000000' END"
        utc = f"substr({value}, 1, 10) || ' ' || substr({value}, 12, 8) || '.' || {fraction}"
        return f"value ->> {i} AS {value}", f"CASE WHEN {value} LIKE '%+00:00' THEN {utc} ELSE {value} END"
    if isinstance(column.type, JSON):  # the document's JSON text; a JSON null is none
        return f"value -> {i} AS {value}", f"NULLIF({value}, 'null')"
    return f"value ->> {i} AS {value}", value


class BackgroundDecisionLog:
    def __init__(self, engine: Engine, *, interval_s: float = 0.25, max_batch: int = 5000) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self._writer = writer_lock(engine) or contextlib.nullcontext()
        # rows wait as ready parameter tuples: built by the caller, so the writer thread holds the GIL
        # only briefly (a long hold would stall the checks answering meanwhile)
        self._queue: deque[tuple[object, ...] | bytes] = deque()  # bytes: a row as a JSON array (SQLite)
        self._batches: deque[tuple[object, ...]] = deque()
        self._rows = {t.name: _RowBuilder(t, self._sqlite) for t in (_decisions, _batches)}
        self._decision_row = self._rows[_decisions.name]
        self._insert = {
            t.name: insert_sql(t.name, [c.name for c in t.columns], sqlite=self._sqlite)
            for t in (_decisions, _batches)
        }
        if self._sqlite:
            # SQLite: a drain's decisions go in as one JSON array bound to one statement, so the writer
            # holds the GIL for one bind instead of one per row; sqlite3 releases it while the statement
            # runs, and an executemany took it back after every row, stalling the checks each time. The
            # values go in unconverted and SQL converts them: formatting three instants and a document in
            # Python was a third of a single check's logging.
            # - The rows are bound as the bytes they were queued as, and bracketed by SQL: a bracketed
            #   copy made in Python (2 MB at 4,500 rows) held the GIL for 1.5 ms of page faults a drain.
            # - Each value is read out of its row once, in a materialized CTE: the conversions read an
            #   instant five times, and each read parsed the row again (a seventh of the write).
            names = [c.name for c in _decisions.columns]
            parts = [_sqlite_value(c, i) for i, c in enumerate(_decisions.columns)]
            self._insert[_decisions.name] = (
                f"WITH r AS MATERIALIZED (SELECT {', '.join(p[0] for p in parts)} "  # noqa: S608 (own names)
                "FROM json_each('[' || ? || ']')) "
                f"INSERT INTO {_decisions.name} ({', '.join(names)}) "
                f"SELECT {', '.join(p[1] for p in parts)} FROM r"
            )
        self._conn: Any = None  # the writer's own DBAPI connection (see _write)
        self._interval, self._max_batch = interval_s, max_batch
        self._payload_at = [c.name for c in _batches.columns].index("payload")
        self._wake = threading.Event()
        self._closed = False  # after close(): no writer thread, records are written as they come
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        atexit.register(self.flush)

    def record(self, records: Sequence[dict[str, object]]) -> None:
        build = self._decision_row
        if self._sqlite:
            pick, options = build.pick, _JSON_OPTIONS
            self._queue.extend(orjson.dumps(pick(r), option=options) for r in records)
        else:
            memo: dict[int, object] | None = {} if len(records) > 1 else None
            self._queue.extend(build(r, memo) for r in records)
        self._start()
        if len(self._queue) >= self._max_batch:
            self._wake.set()

    def record_batch(self, batch: dict[str, object]) -> None:
        # encoded here (orjson holds the GIL wherever it runs), compressed by the writer: zlib lets go of
        # the GIL while it works, so the other core does it while this one answers (2 ms a 10,000 batch)
        batch = {**batch, "payload": orjson.dumps(batch["payload"], option=orjson.OPT_SERIALIZE_NUMPY)}
        self._batches.append(self._rows[_batches.name](batch))
        self._start()

    def _start(self) -> None:
        """Start the writer on first use; once closed there is none, and what was queued is written now."""
        if self._closed:
            self._drain()
            return
        if self._thread is None:
            with self._lock:
                if self._thread is None and not self._closed:
                    self._thread = threading.Thread(
                        target=self._run, name="dialgate-decision-log", daemon=True
                    )
                    self._thread.start()

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(self._interval)
            self._wake.clear()
            self._drain(everything=False)

    def _drain(self, *, everything: bool = True) -> None:
        """Write what is queued; the writer thread takes only what was there when it woke. Chasing the
        rows that kept arriving meant, under load, a small transaction every few milliseconds instead
        of one per interval (74 a second at 2,000 checks/s), each taking the GIL back from the checks."""
        with self._idle:
            rows_left, batches_left = (
                (sys.maxsize, sys.maxsize) if everything else (len(self._queue), len(self._batches))
            )
            while True:
                n_rows = min(self._max_batch, len(self._queue), rows_left)
                n_batches = min(50, len(self._batches), batches_left)
                if not (n_rows or n_batches):
                    break
                rows_left, batches_left = rows_left - n_rows, batches_left - n_batches
                rows = [self._queue.popleft() for _ in range(n_rows)]
                batches = [self._compressed(self._batches.popleft()) for _ in range(n_batches)]
                try:
                    with self._writer:
                        self._write(rows, batches)
                except self._engine.dialect.loaded_dbapi.Error as exc:  # never lose the hot path to the
                    self._drop_connection()  # audit log; say so loudly, and start the next drain afresh
                    log.error(
                        "decision_log.write_failed",
                        extra={"fields": {"rows": len(rows) + len(batches), "error": str(exc)}},
                    )
            self._idle.notify_all()

    def _write(self, rows: list[tuple[object, ...] | bytes], batches: list[tuple[object, ...]]) -> None:
        """One transaction on the writer's own DBAPI connection. Not through SQLAlchemy: its checkout,
        events and execution context are a millisecond of Python a drain, holding the GIL while the
        checks wait for it; here the GIL is let go for nearly all of the write."""
        conn = self._connection()
        cur = conn.cursor()
        try:
            if self._sqlite:
                cur.execute("BEGIN")
            if rows and self._sqlite:
                cur.execute(self._insert[_decisions.name], (b",".join(rows),))  # type: ignore[arg-type]
            elif rows:
                cur.executemany(self._insert[_decisions.name], rows)
            if batches:
                cur.executemany(self._insert[_batches.name], batches)
            conn.commit()
        except BaseException:
            with contextlib.suppress(Exception):  # the connection may be the thing that broke
                conn.rollback()
            raise
        finally:
            cur.close()

    def _connection(self) -> Any:
        if self._conn is None:
            fairy = self._engine.raw_connection()  # with the engine's connect-time settings (PRAGMAs)
            self._conn = fairy.driver_connection
            fairy.detach()  # kept by the log for its life, outside the pool
        return self._conn

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def _compressed(self, batch: tuple[object, ...]) -> tuple[object, ...]:
        at = self._payload_at
        payload = batch[at]
        assert isinstance(payload, bytes)
        return (*batch[:at], zlib.compress(payload, 1), *batch[at + 1 :])

    def flush(self) -> None:
        if self._queue or self._batches:
            self._drain()

    def close(self) -> None:
        """Stop the writer thread, write what is held, then let the writer's connection go. A record
        made after this is written at once (a store closed and used again loses nothing)."""
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            self._wake.set()
            thread.join()
        self.flush()
        with self._idle:
            self._drop_connection()
        atexit.unregister(self.flush)  # nothing left for exit to write; the log is no longer kept alive
