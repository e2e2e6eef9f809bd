"""The one place where adapters are chosen from settings and wired into a Runtime."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from dialgate.adapters.clock import SystemClock, UlidGenerator
from dialgate.adapters.db import engine as db
from dialgate.adapters.db.uow import SqlUnitOfWorkFactory
from dialgate.adapters.files.evidence import FileEvidenceStore
from dialgate.adapters.files.job_files import DirectoryJobFiles
from dialgate.adapters.files.number_tables_cache import CachedNumberTables
from dialgate.adapters.files.scrub_csv import CsvScrubFiles
from dialgate.config import Settings
from dialgate.errors import StoreError
from dialgate.services.ports import Clock
from dialgate.services.runtime import Runtime


@dataclass
class Container:
    settings: Settings
    engine: Engine
    runtime: Runtime

    def close(self) -> None:
        self.engine.dispose()


def build(settings: Settings, *, clock: Clock | None = None, check_schema: bool = True) -> Container:
    """Wire everything. SQLite stores are created or migrated on first use; PostgreSQL needs `db upgrade`."""
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the data directory {settings.data_dir}: {exc.strerror}") from None
    engine = db.make_engine(
        settings.resolved_database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    if check_schema and not _schema_current(engine):
        if not settings.is_sqlite:
            raise StoreError("the PostgreSQL store is not at the current schema; run: dialgate db upgrade")
        db.upgrade(engine)
    runtime = Runtime(
        uow=SqlUnitOfWorkFactory(engine),
        clock=clock or SystemClock(),
        ids=UlidGenerator(),
        evidence=FileEvidenceStore(settings.data_dir / "evidence"),
        clock_skew=timedelta(seconds=settings.clock_skew_seconds),
        import_batch_size=settings.import_batch_size,
        number_tables=CachedNumberTables(settings.resolved_cache_dir),
        scrub_files=CsvScrubFiles(),
        job_files=DirectoryJobFiles(settings.data_dir / "scrubs"),
    )
    return Container(settings=settings, engine=engine, runtime=runtime)


def _schema_current(engine: Engine) -> bool:
    try:
        return db.is_current(engine)
    except OperationalError as exc:
        raise StoreError(f"cannot reach the store at {engine.url!r}: {exc.orig}") from None
