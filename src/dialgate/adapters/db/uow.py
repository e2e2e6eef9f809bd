"""The unit of work: one connection, one transaction, every repository on it."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from dialgate.adapters.db.repositories import (
    SqlApiKeys,
    SqlAttempts,
    SqlBrands,
    SqlCampaigns,
    SqlConsents,
    SqlDnc,
    SqlVendors,
)
from dialgate.adapters.db.scrub_jobs import SqlScrubJobs
from dialgate.errors import StoreError
from dialgate.services.ports import (
    ApiKeyRepository,
    AttemptRepository,
    BrandRepository,
    CampaignRepository,
    ConsentRepository,
    DncRepository,
    ScrubJobRepository,
    VendorRepository,
)


class SqlUnitOfWork:
    brands: BrandRepository
    vendors: VendorRepository
    campaigns: CampaignRepository
    consents: ConsentRepository
    dnc: DncRepository
    attempts: AttemptRepository
    apikeys: ApiKeyRepository
    scrub_jobs: ScrubJobRepository

    def __init__(self, engine: Engine, *, write: bool) -> None:
        self._engine, self._write = engine, write
        self._conn: Connection | None = None

    def __enter__(self) -> SqlUnitOfWork:
        try:
            conn = self._engine.connect()
        except OperationalError as exc:
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
        self.scrub_jobs = SqlScrubJobs(conn)
        return self

    @property
    def connection(self) -> Connection:
        assert self._conn is not None, "unit of work used outside its with-block"
        return self._conn

    def commit(self) -> None:
        try:
            self.connection.commit()
        except DBAPIError as exc:
            raise StoreError(f"the store refused the commit: {exc.orig}") from None

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


class SqlUnitOfWorkFactory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self, *, write: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, write=write)
