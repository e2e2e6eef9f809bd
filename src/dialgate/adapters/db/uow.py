"""The unit of work: one connection, one transaction, every repository on it."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from dialgate.adapters.clock import UlidGenerator
from dialgate.adapters.db.audit import SqlDecisionAudit
from dialgate.adapters.db.engine import WriterLock, writer_lock
from dialgate.adapters.db.feed import SqlFeed, notify_committed
from dialgate.adapters.db.registers import SqlRegisters
from dialgate.adapters.db.repositories import (
    SqlApiKeys,
    SqlAttempts,
    SqlBrands,
    SqlCampaigns,
    SqlConsents,
    SqlDnc,
    SqlVendors,
)
from dialgate.adapters.db.requests import SqlRequests
from dialgate.adapters.db.scrub_jobs import SqlScrubJobs
from dialgate.adapters.db.staff import SqlRateBuckets, SqlSessions, SqlUsers
from dialgate.adapters.db.webhooks import SqlWebhooks
from dialgate.errors import StoreError
from dialgate.services.ports import (
    ApiKeyRepository,
    AttemptRepository,
    BrandRepository,
    CampaignRepository,
    ConsentRepository,
    DecisionAuditRepository,
    DncRepository,
    FeedRepository,
    RateBucketRepository,
    RegisterRepository,
    RequestRepository,
    ScrubJobRepository,
    SessionRepository,
    UserRepository,
    VendorRepository,
    WebhookRepository,
)

_ids = UlidGenerator()


class SqlUnitOfWork:
    brands: BrandRepository
    vendors: VendorRepository
    campaigns: CampaignRepository
    consents: ConsentRepository
    dnc: DncRepository
    attempts: AttemptRepository
    apikeys: ApiKeyRepository
    requests: RequestRepository
    feed: FeedRepository
    webhooks: WebhookRepository
    users: UserRepository
    sessions: SessionRepository
    rate_buckets: RateBucketRepository
    audit: DecisionAuditRepository
    registers: RegisterRepository
    scrub_jobs: ScrubJobRepository

    def __init__(self, engine: Engine, *, write: bool, write_lock: WriterLock | None = None) -> None:
        self._engine, self._write = engine, write
        self._lock = write_lock if write else None
        self._conn: Connection | None = None

    def __enter__(self) -> SqlUnitOfWork:
        if self._lock is not None:
            self._lock.acquire()
        try:
            conn = self._engine.connect()
        except OperationalError as exc:
            self._release()
            raise StoreError(f"cannot open the store: {exc.orig}") from None
        if self._write:
            conn = conn.execution_options(dialgate_write=True)
        conn.begin()
        self._conn = conn
        self.brands = SqlBrands(conn)
        self.vendors = SqlVendors(conn)
        self.campaigns = SqlCampaigns(conn)
        self.consents = SqlConsents(conn)
        self.dnc = SqlDnc(conn)
        self.attempts = SqlAttempts(conn)
        self.apikeys = SqlApiKeys(conn)
        self.requests = SqlRequests(conn)
        self._feed = SqlFeed(conn, _ids.new_ids)
        self.feed = self._feed
        self.webhooks = SqlWebhooks(conn)
        self.users = SqlUsers(conn)
        self.sessions = SqlSessions(conn)
        self.rate_buckets = SqlRateBuckets(conn)
        self.audit = SqlDecisionAudit(conn)
        self.registers = SqlRegisters(conn)
        self.scrub_jobs = SqlScrubJobs(conn)
        return self

    @property
    def connection(self) -> Connection:
        assert self._conn is not None, "unit of work used outside its with-block"
        return self._conn

    def commit(self) -> None:
        try:
            published = self._feed.flush()  # the change feed's events, last, in this same transaction
            self.connection.commit()
        except DBAPIError as exc:
            raise StoreError(f"the store refused the commit: {exc.orig}") from None
        if published:
            notify_committed()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if conn.in_transaction():
                conn.rollback()
        finally:
            conn.close()
            self._release()

    def _release(self) -> None:
        if self._lock is not None and self._lock.locked():
            self._lock.release()


class SqlUnitOfWorkFactory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite has one writer at a time: writers queue on its lock (engine.WriterLock), not on SQLite's
        # sleeping busy handler.
        self._write_lock = writer_lock(engine)

    def __call__(self, *, write: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, write=write, write_lock=self._write_lock)
