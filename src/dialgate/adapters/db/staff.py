"""Staff users, their web sessions, and the rate buckets behind lock-outs and the public page's limit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from dialgate.adapters.db.tables import RateBucketRow, StaffUserRow, WebSessionRow, table
from dialgate.domain.staff import Bucket, Role, StaffUser
from dialgate.errors import ConflictError
from dialgate.services.ports import WebSession

_users, _sessions, _buckets = table(StaffUserRow), table(WebSessionRow), table(RateBucketRow)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class SqlUsers:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, user: StaffUser) -> None:
        try:
            with self._c.begin_nested():
                self._c.execute(
                    insert(_users).values(
                        id=user.id,
                        brand_id=user.brand,
                        username=user.username,
                        role=str(user.role),
                        vendor_id=user.vendor,
                        password_hash=user.password_hash,
                        created_at=user.created_at,
                        password_changed_at=user.created_at,
                        disabled_at=None,
                    )
                )
        except IntegrityError:
            raise ConflictError(f"the username '{user.username}' is taken").at(field="username") from None

    def get(self, user_id: str) -> StaffUser | None:
        row = self._c.execute(select(_users).where(_users.c.id == user_id)).first()
        return _user(row) if row else None

    def by_username(self, username: str) -> StaffUser | None:
        row = self._c.execute(select(_users).where(_users.c.username == username)).first()
        return _user(row) if row else None

    def list(self, brand: str) -> list[StaffUser]:
        rows = self._c.execute(select(_users).where(_users.c.brand_id == brand).order_by(_users.c.username))
        return [_user(r) for r in rows]

    def set_password(self, user_id: str, password_hash: str, at: datetime) -> None:
        self._c.execute(
            update(_users)
            .where(_users.c.id == user_id)
            .values(password_hash=password_hash, password_changed_at=at)
        )


def _user(r: Any) -> StaffUser:
    return StaffUser(
        id=r.id,
        brand=r.brand_id,
        username=r.username,
        role=Role(r.role),
        vendor=r.vendor_id,
        password_hash=r.password_hash,
        created_at=r.created_at,
        disabled=r.disabled_at is not None,
    )


class SqlSessions:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, session: WebSession) -> None:
        self._c.execute(
            insert(_sessions).values(
                token_hash=session.token_hash,
                user_id=session.user_id,
                created_at=session.created_at,
                seen_at=session.seen_at,
                expires_at=session.expires_at,
            )
        )

    def get(self, token_hash: str) -> WebSession | None:
        row = self._c.execute(select(_sessions).where(_sessions.c.token_hash == token_hash)).first()
        if row is None:
            return None
        return WebSession(row.token_hash, row.user_id, row.created_at, row.seen_at, row.expires_at)

    def touch(self, token_hash: str, at: datetime) -> None:
        self._c.execute(update(_sessions).where(_sessions.c.token_hash == token_hash).values(seen_at=at))

    def remove(self, token_hash: str) -> None:
        self._c.execute(delete(_sessions).where(_sessions.c.token_hash == token_hash))

    def remove_user(self, user_id: str) -> int:
        return self._c.execute(delete(_sessions).where(_sessions.c.user_id == user_id)).rowcount

    def purge(self, before: datetime, idle_since: datetime) -> int:
        c = _sessions.c
        return self._c.execute(
            delete(_sessions).where((c.expires_at < before) | (c.seen_at < idle_since))
        ).rowcount


class SqlRateBuckets:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def lock(self, key: str) -> Bucket | None:
        b = _buckets.c
        query = select(b["count"].label("n"), b.window_start, b.blocked_until).where(b.key == key)
        if self._c.dialect.name == "postgresql":
            # A row to lock even for a new key, so two workers counting it at once queue up instead of
            # both starting from zero (SQLite: the writer's BEGIN IMMEDIATE already serialises them).
            self._c.execute(
                postgresql.insert(_buckets)
                .values(key=key, count=0, window_start=_EPOCH, blocked_until=None, expires_at=_EPOCH)
                .on_conflict_do_nothing(index_elements=["key"])
            )
            query = query.with_for_update()
        row = self._c.execute(query).first()
        if row is None or row.n == 0:  # labelled: a Row's .count is tuple.count
            return None
        return Bucket(row.n, row.window_start, row.blocked_until)

    def put(self, key: str, bucket: Bucket, expires_at: datetime) -> None:
        values = {
            "count": bucket.count,
            "window_start": bucket.window_start,
            "blocked_until": bucket.blocked_until,
            "expires_at": expires_at,
        }
        dialect = postgresql if self._c.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(_buckets).values(key=key, **values)
        self._c.execute(statement.on_conflict_do_update(index_elements=["key"], set_=values))

    def remove(self, key: str) -> None:
        self._c.execute(delete(_buckets).where(_buckets.c.key == key))

    def purge(self, now: datetime) -> None:
        self._c.execute(delete(_buckets).where(_buckets.c.expires_at < now))
