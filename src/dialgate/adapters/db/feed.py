"""The change feed (outbox) on SQLite and PostgreSQL.

Use cases publish events while they work; the unit of work writes them just before it commits, in the same
transaction. Sequence numbers come from the brand's feed head row, locked by an UPDATE ... RETURNING only
for that last step: same-brand writers therefore commit in sequence order, and a reader that has seen seq
N can never later find an N-1 that committed after it (the gap a plain autoincrement id would leave).
On PostgreSQL the flush also sends NOTIFY, delivered at commit, so the dispatcher wakes at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

import orjson
from sqlalchemy import Connection, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from dialgate.adapters.db.engine import insert_sql
from dialgate.adapters.db.tables import ChangeEventRow, FeedHeadRow, table
from dialgate.adapters.db.types import raw_instant
from dialgate.domain.feed import FeedDraft, FeedEvent, FeedEventType

_heads, _events = table(FeedHeadRow), table(ChangeEventRow)
_INSERT_EVENT = {
    sqlite: insert_sql(
        "change_events",
        ("brand_id", "seq", "event_id", "type", "number", "occurred_at", "data"),
        sqlite=sqlite,
    )
    for sqlite in (True, False)
}
NOTIFY_CHANNEL = "dialgate_feed"

# In-process listeners, called after a commit that wrote feed events: a dispatcher in the same process
# (`dialgate serve` with one worker) wakes at once instead of at its next poll.
_listeners: list[Callable[[], None]] = []
_listeners_lock = threading.Lock()


def add_commit_listener(callback: Callable[[], None]) -> None:
    with _listeners_lock:
        _listeners.append(callback)


def remove_commit_listener(callback: Callable[[], None]) -> None:
    with _listeners_lock:
        if callback in _listeners:
            _listeners.remove(callback)


def notify_committed() -> None:
    with _listeners_lock:
        callbacks = list(_listeners)
    for callback in callbacks:
        callback()


class SqlFeed:
    def __init__(self, conn: Connection, new_ids: Callable[[int], list[str]]) -> None:
        self._c = conn
        self._new_ids = new_ids
        self._pending: list[FeedDraft] = []

    def publish(self, draft: FeedDraft) -> None:
        self._pending.append(draft)

    def flush(self) -> bool:
        """Number and insert the queued events; called by the unit of work right before COMMIT.
        True when there were any (the unit of work then tells in-process listeners after the commit)."""
        if not self._pending:
            return False
        by_brand: dict[str, list[FeedDraft]] = {}
        for draft in self._pending:
            by_brand.setdefault(draft.brand, []).append(draft)
        self._pending = []
        for brand in sorted(by_brand):  # a fixed lock order across brands
            drafts = by_brand[brand]
            last = self._reserve(brand, len(drafts))
            self._insert(brand, last - len(drafts) + 1, drafts)
        if self._c.dialect.name == "postgresql":
            self._c.execute(text("SELECT pg_notify(:channel, :payload)"), {
                "channel": NOTIFY_CHANNEL,
                "payload": ",".join(sorted(by_brand))[:7000],
            })  # fmt: skip
        return True

    def _insert(self, brand: str, first_seq: int, drafts: list[FeedDraft]) -> None:
        """Plain executemany (bulk imports publish one event per row: SQLAlchemy's per-value
        processing would cost as much as the import itself)."""
        sqlite = self._c.dialect.name == "sqlite"
        ids = self._new_ids(len(drafts))
        # a bulk write's events share one instant: formatted once
        instants = {at: raw_instant(at, sqlite) for at in {d.occurred_at for d in drafts}}
        params = [
            (brand, first_seq + i, "evt_" + ids[i], str(d.type), d.number, instants[d.occurred_at],
             orjson.dumps(d.data).decode())
            for i, d in enumerate(drafts)
        ]  # fmt: skip
        self._c.exec_driver_sql(_INSERT_EVENT[sqlite], params)

    def _reserve(self, brand: str, count: int) -> int:
        bump = update(_heads).where(_heads.c.brand_id == brand).values(seq=_heads.c.seq + count)
        row = self._c.execute(bump.returning(_heads.c.seq)).first()
        if row is None:  # the brand's first event: create its head, then bump it (and lock it)
            maker = pg_insert if self._c.dialect.name == "postgresql" else sqlite_insert
            self._c.execute(maker(_heads).values(brand_id=brand, seq=0).on_conflict_do_nothing())
            row = self._c.execute(bump.returning(_heads.c.seq)).first()
            assert row is not None
        return int(row.seq)

    def after(self, brand: str, cursor: int, limit: int) -> list[FeedEvent]:
        rows = self._c.execute(
            select(_events)
            .where((_events.c.brand_id == brand) & (_events.c.seq > cursor))
            .order_by(_events.c.seq)
            .limit(limit)
        )
        return [
            FeedEvent(
                brand=r.brand_id,
                seq=r.seq,
                id=r.event_id,
                type=FeedEventType(r.type),
                number=r.number,
                occurred_at=r.occurred_at,
                data=r.data,
            )
            for r in rows
        ]

    def head(self, brand: str) -> int:
        row = self._c.execute(select(_heads.c.seq).where(_heads.c.brand_id == brand)).first()
        return int(row.seq) if row else 0

    def heads(self) -> dict[str, int]:
        return {r.brand_id: int(r.seq) for r in self._c.execute(select(_heads))}

    def occurred_at(self, brand: str, seq: int) -> datetime | None:
        row = self._c.execute(
            select(_events.c.occurred_at).where((_events.c.brand_id == brand) & (_events.c.seq == seq))
        ).first()
        return row.occurred_at if row else None
