"""The ports: what the use cases need from the outside world, as Protocols.

Adapters implement them (adapters/db, adapters/files, ...); tests and the demo may use the fakes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from dialgate.domain.access import Scope
from dialgate.domain.batch import BatchContext, BatchVerdicts, ScrubColumns
from dialgate.domain.bulk_numbers import BulkNumbers, NumberDigits
from dialgate.domain.campaign import Campaign
from dialgate.domain.consent import ConsentEvent
from dialgate.domain.model import Brand, CallAttempt, DncEntry, Vendor
from dialgate.domain.number_tables import NumberTables
from dialgate.domain.registry import RegisterHits, SnapshotInfo
from dialgate.domain.roaming import HlrResult
from dialgate.domain.scrub_jobs import JobStatus, ScrubJob


class Clock(Protocol):
    def now(self) -> datetime: ...


class IdGenerator(Protocol):
    def new_id(self) -> str: ...


class BrandRepository(Protocol):
    def add(self, brand: Brand) -> None: ...
    def get(self, brand_id: str) -> Brand | None: ...
    def list(self) -> list[Brand]: ...


class VendorRepository(Protocol):
    def upsert(self, vendor: Vendor, at: datetime) -> None: ...
    def get(self, brand: str, vendor_id: str) -> Vendor | None: ...
    def list(self, brand: str) -> list[Vendor]: ...


class CampaignRepository(Protocol):
    def upsert(self, campaign: Campaign, source: str, at: datetime) -> int:
        """Store the campaign; returns its new version number."""
        ...

    def get(self, campaign_id: str) -> Campaign | None: ...
    def version(self, campaign_id: str) -> int | None: ...
    def list(self, brand: str | None = None) -> list[Campaign]: ...


class ConsentRepository(Protocol):
    def lock_head(self, brand: str) -> tuple[int, str]:
        """The brand's chain head (seq, hash), locked against other appenders until commit."""
        ...

    def append(self, events: Sequence[ConsentEvent]) -> None:
        """Insert sealed events and move the brand's head to the last one. Never updates an event."""
        ...

    def for_number(self, brand: str, number: str) -> list[ConsentEvent]: ...
    def iter_brand(self, brand: str) -> Iterator[ConsentEvent]: ...
    def heads(self) -> dict[str, tuple[int, str]]: ...


class DncRepository(Protocol):
    def add(self, entry: DncEntry, actor: str | None) -> bool:
        """True when the number was not yet listed."""
        ...

    def remove(
        self, brand: str, number: str, at: datetime, reason: str | None, actor: str | None
    ) -> bool: ...
    def get(self, brand: str, number: str) -> DncEntry | None: ...
    def list(self, brand: str) -> list[DncEntry]: ...


class AttemptRepository(Protocol):
    def add_many(self, attempts: Iterable[CallAttempt], recorded_at: datetime) -> int: ...
    def for_number(self, brand: str, number: str, since: datetime) -> list[CallAttempt]: ...


class ApiKeyRecord(Protocol):
    @property
    def key_id(self) -> str: ...
    @property
    def secret_hash(self) -> str: ...
    @property
    def brand(self) -> str: ...
    @property
    def vendor(self) -> str | None: ...
    @property
    def scopes(self) -> frozenset[Scope]: ...
    @property
    def revoked(self) -> bool: ...


class ApiKeyRepository(Protocol):
    def add(
        self,
        *,
        key_id: str,
        secret_hash: str,
        brand: str,
        vendor: str | None,
        scopes: frozenset[Scope],
        name: str,
        at: datetime,
    ) -> None: ...

    def get(self, key_id: str) -> ApiKeyRecord | None: ...


class ScrubJobRepository(Protocol):
    def add(self, job: ScrubJob) -> None: ...
    def get(self, job_id: str) -> ScrubJob | None: ...
    def start(self, job_id: str, at: datetime) -> None: ...
    def progress(self, job_id: str, bytes_done: int, counts: dict[str, Any], at: datetime) -> None:
        """Counts so far (ScrubReport.counts) and a heartbeat."""
        ...

    def finish(
        self,
        job_id: str,
        status: JobStatus,
        at: datetime,
        *,
        summary: dict[str, Any] | None = None,
        error: dict[str, str] | None = None,
    ) -> None: ...


class UnitOfWork(Protocol):
    brands: BrandRepository
    vendors: VendorRepository
    campaigns: CampaignRepository
    consents: ConsentRepository
    dnc: DncRepository
    attempts: AttemptRepository
    apikeys: ApiKeyRepository
    scrub_jobs: ScrubJobRepository

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = False) -> UnitOfWork: ...


class EvidenceStore(Protocol):
    def put_file(self, path: Path) -> str:
        """Copy a file into the content-addressed store; returns its SHA-256 (hex)."""
        ...

    def path_of(self, sha256: str) -> Path | None: ...


class RegisterSnapshot(Protocol):
    """One immutable snapshot of a register, answering membership in bulk."""

    @property
    def info(self) -> SnapshotInfo: ...

    def lookup(self, keys: npt.NDArray[np.uint64]) -> RegisterHits:
        """keys: E.164 digits as uint64 (see numbers.e164_key); any order, any length."""
        ...


class RegisterStore(Protocol):
    def current(self, name: str) -> RegisterSnapshot | None:
        """The snapshot in force now. Callers keep the object for a whole decision or batch, so a switch
        to a newer snapshot mid-way never mixes two snapshots in one answer."""
        ...

    def names(self) -> list[str]: ...


class HlrProvider(Protocol):
    """A home-location-register lookup. Raises an HlrError subclass (adapters/hlr) on failure."""

    @property
    def name(self) -> str: ...

    async def lookup(self, number: str) -> HlrResult: ...


class NumberTablesSource(Protocol):
    def load(self) -> NumberTables:
        """The prefix tables for bulk number parsing: built once, then cached."""
        ...


class BatchRun(Protocol):
    """One batch of decisions with everything fixed for its whole run: campaign, instant, caller ID and
    the register snapshots (taken once at the start, so a snapshot switch never splits a run)."""

    @property
    def snapshots(self) -> Sequence[SnapshotInfo]: ...

    def decide(self, numbers: BulkNumbers) -> BatchVerdicts:
        """Verdicts for one chunk of parsed numbers; called any number of times per run."""
        ...


class BatchDecider(Protocol):
    """The decision engine applied to arrays (scrub and batch checks)."""

    def start(self, context: BatchContext) -> BatchRun: ...


class ScrubChunk(Protocol):
    @property
    def rows(self) -> int: ...

    @property
    def numbers(self) -> NumberDigits: ...

    @property
    def unreadable(self) -> npt.NDArray[np.uint8]:
        """Per row: batch.ROW_OK, or why the row could not be read (it is kept and marked invalid)."""
        ...


class ScrubSource(Protocol):
    @property
    def columns(self) -> tuple[str, ...]: ...

    @property
    def number_column(self) -> str: ...

    @property
    def bytes_total(self) -> int: ...

    @property
    def bytes_read(self) -> int: ...

    def chunks(self) -> Iterator[ScrubChunk]: ...


class ScrubSink(Protocol):
    def write(self, chunk: ScrubChunk, columns: ScrubColumns) -> None: ...

    def commit(self) -> None:
        """Make the output complete and visible at once; until then the target is untouched."""
        ...


class ScrubFiles(Protocol):
    def open_source(
        self, path: Path, *, column: str | None, encoding: str | None, delimiter: str | None
    ) -> AbstractContextManager[ScrubSource]: ...

    def open_sink(self, path: Path, source: ScrubSource) -> AbstractContextManager[ScrubSink]:
        """Leaving the context without commit() discards everything written."""
        ...


class JobFiles(Protocol):
    """Where background scrubs keep the uploaded list and the result."""

    def save_input(self, job_id: str, chunks: Iterable[bytes]) -> int:
        """Store the upload; returns its size in bytes."""
        ...

    def input_path(self, job_id: str) -> Path: ...
    def result_path(self, job_id: str) -> Path: ...
    def discard_input(self, job_id: str) -> None: ...
