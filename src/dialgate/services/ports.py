"""The ports: what the use cases need from the outside world, as Protocols.

Adapters implement them (adapters/db, adapters/files, ...); tests and the demo may use the fakes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from dialgate.domain.access import Scope
from dialgate.domain.audit import DayCount, DecisionRecord, Tally
from dialgate.domain.batch import BatchContext, BatchVerdicts, ScrubColumns
from dialgate.domain.bulk_numbers import BulkNumbers, NumberDigits
from dialgate.domain.campaign import Campaign
from dialgate.domain.consent import ConsentEvent
from dialgate.domain.feed import FeedDraft, FeedEvent
from dialgate.domain.model import Brand, CallAttempt, DncEntry, DncLogEntry, RecordedAttempt, Vendor
from dialgate.domain.number_tables import NumberTables
from dialgate.domain.registry import CompiledIndex, RegisterHits, RegisterSource, SnapshotInfo, SnapshotRecord
from dialgate.domain.requests import ConsumerRequest, RequestEvent, RequestKind, RequestStatus
from dialgate.domain.roaming import HlrResult, RoamingStatus
from dialgate.domain.rules.inputs import BrandFacts, OneFacts, RowFacts
from dialgate.domain.scrub_jobs import JobStatus, ScrubJob
from dialgate.domain.staff import Bucket, StaffUser
from dialgate.domain.vocabulary import Source
from dialgate.domain.webhooks import DeliveryAttempt, WebhookEndpoint


class Clock(Protocol):
    def now(self) -> datetime: ...


class IdGenerator(Protocol):
    def new_id(self) -> str: ...

    def new_ids(self, count: int) -> list[str]:
        """`count` distinct ids at once, sorting in the order given."""
        ...


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

    def append(self, wires: Sequence[Mapping[str, Any]]) -> None:
        """Insert one brand's sealed events, given in their wire form (consent.seal_rows), and move its
        head to the last one. Never updates an event."""
        ...

    def for_number(self, brand: str, number: str) -> list[ConsentEvent]: ...
    def for_numbers(
        self, brand: str, numbers: Sequence[str], *, source: Source | None = None
    ) -> dict[str, list[ConsentEvent]]:
        """The events of each number that has any (of `source` only, when given), in ledger order."""
        ...

    def iter_brand(self, brand: str) -> Iterator[ConsentEvent]: ...
    def heads(self) -> dict[str, tuple[int, str]]: ...


class DncRepository(Protocol):
    def add(self, entry: DncEntry, actor: str | None) -> bool:
        """True when the number was not yet listed."""
        ...

    def remove(
        self, brand: str, number: str, at: datetime, reason: str | None, actor: str | None
    ) -> bool: ...
    def log(self, brand: str, number: str) -> list[DncLogEntry]: ...
    def get(self, brand: str, number: str) -> DncEntry | None: ...
    def list(self, brand: str) -> list[DncEntry]: ...


class AttemptRepository(Protocol):
    def add_many(self, attempts: Iterable[CallAttempt], recorded_at: datetime) -> int: ...
    def for_number(self, brand: str, number: str, since: datetime) -> list[CallAttempt]: ...
    def recorded(self, brand: str, number: str) -> list[RecordedAttempt]:
        """Every stored attempt to the number, oldest first, with row ids."""
        ...

    def nearest(
        self, brand: str, number: str, *, at: datetime | None, window: timedelta, campaign: str | None
    ) -> RecordedAttempt | None:
        """The attempt closest to `at` within `window` (or, without `at`, the latest one of `campaign`)."""
        ...


class FeedRepository(Protocol):
    def publish(self, draft: FeedDraft) -> None:
        """Queue an event; the unit of work writes it when it commits, in the same transaction."""
        ...

    def after(self, brand: str, cursor: int, limit: int) -> list[FeedEvent]: ...
    def head(self, brand: str) -> int: ...
    def heads(self) -> dict[str, int]: ...
    def occurred_at(self, brand: str, seq: int) -> datetime | None: ...


@dataclass(frozen=True)
class RequestFilter:
    brand: str | None = None
    status: RequestStatus | None = None
    kind: RequestKind | None = None
    number: str | None = None
    vendor: str | None = None
    overdue_at: datetime | None = None  # only open requests whose due instant is before this
    received_from: datetime | None = None
    received_until: datetime | None = None
    limit: int | None = None


class RequestRepository(Protocol):
    def add(self, request: ConsumerRequest) -> bool:
        """Insert; False (and nothing written) when the brand already has that protocol number."""
        ...

    def get(self, request_id: str) -> ConsumerRequest | None: ...
    def by_protocol(self, protocol: str, brand: str | None) -> list[ConsumerRequest]: ...
    def save(self, request: ConsumerRequest) -> None:
        """Write the mutable fields (status, closing fields, export link, ledger seq)."""
        ...

    def find(self, where: RequestFilter) -> list[ConsumerRequest]: ...
    def add_event(self, event: RequestEvent) -> None: ...
    def events(self, request_id: str) -> list[RequestEvent]: ...


class WebhookRepository(Protocol):
    def get(self, brand: str, vendor: str) -> WebhookEndpoint | None: ...
    def endpoints(self, brand: str | None = None) -> list[WebhookEndpoint]: ...
    def put(self, endpoint: WebhookEndpoint) -> None: ...
    def remove(self, brand: str, vendor: str) -> bool: ...
    def acknowledge(
        self, brand: str, vendor: str, cursor: int, at: datetime, version: datetime | None = None
    ) -> None:
        """Move the cursor forward (never back) and clear the failure state. With `version`, only if the
        endpoint was not set again since (its updated_at): a stale acknowledgement then does nothing."""
        ...

    def record_failure(
        self,
        brand: str,
        vendor: str,
        *,
        failures: int,
        next_attempt_at: datetime | None,
        error: str,
        at: datetime,
        dead: bool,
    ) -> None: ...

    def log(self, attempt: DeliveryAttempt) -> None: ...
    def deliveries(self, brand: str, vendor: str, limit: int) -> list[DeliveryAttempt]: ...


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


class RegisterRepository(Protocol):
    """Snapshot metadata, and which snapshot of each register is in force (one row per name)."""

    def add(self, record: SnapshotRecord) -> None: ...
    def set_current(self, name: str, snapshot_id: str, at: datetime) -> None: ...
    def current(self, name: str) -> SnapshotRecord | None: ...
    def current_all(self) -> list[SnapshotRecord]: ...
    def current_ids(self) -> dict[str, str]:
        """name -> snapshot id in force: the one cheap query the hot path makes."""
        ...

    def get(self, snapshot_id: str) -> SnapshotRecord | None: ...
    def history(self, name: str) -> list[SnapshotRecord]: ...


class ScrubJobRepository(Protocol):
    def add(self, job: ScrubJob) -> None: ...
    def get(self, job_id: str) -> ScrubJob | None: ...
    def recent(self, brand: str, limit: int) -> list[ScrubJob]:
        """The brand's latest jobs, newest first (the dashboard's list)."""
        ...

    def claim(self, job_id: str, at: datetime) -> int | None:
        """Mark a queued job running as its next attempt and return that attempt's number; None when it was
        not queued (another worker took it, or it is over). Atomic: of workers claiming at once, one wins."""
        ...

    def waiting(self, stalled_before: datetime) -> list[ScrubJob]:
        """Jobs no worker is running: queued ones, and running ones silent since before `stalled_before`,
        oldest first."""
        ...

    def requeue(self, job_id: str, stalled_before: datetime) -> bool:
        """Put a stalled job back in the queue, unless it reported since `stalled_before` (atomic)."""
        ...

    def results_due(self, finished_before: datetime, limit: int) -> list[str]:
        """Done jobs finished before `finished_before` whose result is still kept, oldest first."""
        ...

    def result_removed(self, job_id: str, at: datetime) -> None: ...

    def progress(
        self,
        job_id: str,
        attempt: int,
        at: datetime,
        bytes_done: int | None = None,
        counts: dict[str, Any] | None = None,
    ) -> bool:
        """A heartbeat, with the counts so far (ScrubReport.counts) when given. False, and nothing written,
        when the job is no longer this attempt's (given up for dead, run by another worker since)."""
        ...

    def finish(
        self,
        job_id: str,
        attempt: int,
        status: JobStatus,
        at: datetime,
        *,
        summary: dict[str, Any] | None = None,
        error: dict[str, str] | None = None,
    ) -> bool:
        """The outcome of this attempt; False, and nothing written, when the job is no longer its own."""
        ...

    def fail_stalled(
        self, job_id: str, stalled_before: datetime, at: datetime, error: dict[str, str]
    ) -> bool:
        """Fail a job whose worker stopped, unless it reported since `stalled_before` (atomic)."""
        ...


class UserRepository(Protocol):
    """Staff users of the dashboard."""

    def add(self, user: StaffUser) -> None:
        """Insert; ConflictError when the username is taken (by any brand)."""
        ...

    def get(self, user_id: str) -> StaffUser | None: ...
    def by_username(self, username: str) -> StaffUser | None: ...
    def list(self, brand: str) -> list[StaffUser]: ...
    def set_password(self, user_id: str, password_hash: str, at: datetime) -> None: ...


@dataclass(frozen=True)
class WebSession:
    token_hash: str
    user_id: str
    created_at: datetime
    seen_at: datetime
    expires_at: datetime


class SessionRepository(Protocol):
    def add(self, session: WebSession) -> None: ...
    def get(self, token_hash: str) -> WebSession | None: ...
    def touch(self, token_hash: str, at: datetime) -> None: ...
    def remove(self, token_hash: str) -> None: ...
    def remove_user(self, user_id: str) -> int: ...
    def purge(self, before: datetime, idle_since: datetime) -> int:
        """Forget sessions that expired before `before` or were last seen before `idle_since`."""
        ...


class RateBucketRepository(Protocol):
    def lock(self, key: str) -> Bucket | None:
        """The key's bucket, locked against other writers until commit (None: no hits counted)."""
        ...

    def put(self, key: str, bucket: Bucket, expires_at: datetime) -> None: ...
    def remove(self, key: str) -> None: ...
    def purge(self, now: datetime) -> None: ...


class DecisionAuditRepository(Protocol):
    """Reads the decision audit trail (tables `decisions` and `decision_batches`)."""

    def tally(self, brand: str, since: datetime, until: datetime, vendor: str | None) -> Tally: ...
    def per_day(self, brand: str, since: datetime, until: datetime, vendor: str | None) -> list[DayCount]:
        """Allowed and blocked decisions per UTC day of evaluation."""
        ...

    def for_number(self, brand: str, number: str, limit: int, vendor: str | None) -> list[DecisionRecord]:
        """The latest single decisions on a number, newest first."""
        ...

    def rolled_up(self, brand: str, vendor: str | None, first: date, last: date) -> list[DayCount]:
        """Days from first to last (inclusive) already rolled up (table `decision_days`)."""
        ...

    def roll_up(self, brand: str, vendor: str | None, days: Sequence[DayCount], at: datetime) -> None:
        """Keep the counts of days that are over; a day another writer rolled up first is left as is."""
        ...


class UnitOfWork(Protocol):
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


@dataclass(frozen=True)
class StoredExport:
    path: str  # relative to the data directory
    sha256: str


class ExportStore(Protocol):
    def write(self, name: str, data: bytes) -> StoredExport:
        """Write a file (e.g. an access request's export) under the data directory."""
        ...

    def path_of(self, relative: str) -> Path | None: ...


class RegisterSnapshot(Protocol):
    """One immutable snapshot of a register, answering membership in bulk."""

    @property
    def info(self) -> SnapshotInfo: ...

    def lookup(self, keys: npt.NDArray[np.uint64]) -> RegisterHits:
        """keys: E.164 digits as uint64 (see numbers.e164_key); any order, any length."""
        ...

    def lookup_one(self, key: int) -> tuple[bool, int]:
        """One key (the single check's): on the register or not, and its listing day or NO_DATE."""
        ...


class RegisterStore(Protocol):
    def current(self, name: str) -> RegisterSnapshot | None:
        """The snapshot in force now. Callers keep the object for a whole decision or batch, so a switch
        to a newer snapshot mid-way never mixes two snapshots in one answer."""
        ...

    def names(self) -> list[str]: ...

    def invalidate(self, name: str | None = None) -> None:
        """Forget what is cached so the next current() reads the store (called after an import commits)."""
        ...


class RegisterCompiler(Protocol):
    """Turns register files into index files in the data directory (adapters/registers)."""

    def lock(self, name: str) -> AbstractContextManager[None]:
        """Held while one register's snapshot is built and switched: imports of one name run one at a time."""
        ...

    def compile(
        self, source: RegisterSource, snapshot_id: str, base_index: str | None = None
    ) -> CompiledIndex:
        """Read the whole file, write and fsync the index. Raises InputError naming file and line; leaves
        no file behind when it raises. `base_index` is the snapshot a change list applies to."""
        ...

    def discard(self, index_path: str) -> None: ...


class HlrProvider(Protocol):
    """A home-location-register lookup. Raises an HlrError subclass (domain/hlr_errors.py) on failure.

    Called only from the roaming service's own event loop; `aclose` releases pooled connections."""

    @property
    def name(self) -> str: ...

    async def lookup(self, number: str) -> HlrResult:
        """number: E.164 with '+'."""
        ...

    async def aclose(self) -> None: ...


class DecisionStore(Protocol):
    """The per-number facts a decision reads for a campaign: the consent events that count at `until`
    (its channel, its purpose or `all`, known by then; see adapters/db/fact_columns.CONSENT_WHERE), the
    brand's do-not-call entries, attempts in [since, until] and the last attempt up to `until`. `one`
    folds the consent events for the campaign's party (inputs.one_consent); the others return them all."""

    def brand_facts(
        self, campaign: Campaign, channel: str, since: datetime, until: datetime, *, limit: int
    ) -> BrandFacts | None:
        """Everything of the brand keyed by number (for a scrub), or None above `limit` rows."""
        ...

    def facts_for(
        self,
        campaign: Campaign,
        channel: str,
        keys: npt.NDArray[np.uint64],
        valid: npt.NDArray[np.bool_],
        since: datetime,
        until: datetime,
    ) -> RowFacts:
        """The same facts for each row of a batch (row i is keys[i], an E.164 key; invalid rows get none)."""
        ...

    def one(
        self, campaign: Campaign, channel: str, number: str, since: datetime, until: datetime
    ) -> OneFacts:
        """The facts of a single number in one round trip, folded as its frame row needs them: the
        governing consent, on the do-not-call list, attempts in [since, until] with the last attempt ever
        made up to `until` (0 if none)."""
        ...

    def close(self) -> None:
        """Release the store's connections (the process is shutting down)."""
        ...


class DecisionLog(Protocol):
    """Keeps every decision for the audit trail, off the hot path (written in batches)."""

    def record(self, records: Sequence[dict[str, object]]) -> None: ...

    def record_batch(self, batch: dict[str, object]) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None:
        """Flush, then release what the log holds open."""
        ...


# --- the webhook dispatcher's outside world -------------------------------------------------------------


@dataclass(frozen=True)
class HttpAnswer:
    status: int | None  # None when no answer came (timeout, refused connection, ...)
    error: str | None
    duration_ms: int


class WebhookSender(Protocol):
    async def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> HttpAnswer: ...
    async def aclose(self) -> None: ...


class Lease(Protocol):
    """Leadership for a singleton job across workers and processes."""

    def acquire(self) -> bool:
        """Take or renew the lease; True while this holder has it."""
        ...

    def release(self) -> None: ...


class Wakeup(Protocol):
    """Wakes the dispatcher soon after a change commits (PostgreSQL NOTIFY), or after a short poll."""

    async def wait(self, timeout: float) -> None: ...
    def close(self) -> None: ...


class HlrCache(Protocol):
    """Lookup answers kept across processes (the store), so workers and later runs share them."""

    def get_many(self, numbers: Sequence[str], fresh_since: datetime) -> dict[str, HlrResult]:
        """The stored answers for these numbers looked up at or after `fresh_since`."""
        ...

    def get_statuses(
        self, numbers: Sequence[str], fresh_since: datetime, *, fail_open: bool
    ) -> dict[str, RoamingStatus]:
        """What those answers mean (domain.roaming.status_of), reading only what that needs: a scrub's
        second run asks for 100,000 at once."""
        ...

    def put_many(self, results: Sequence[HlrResult]) -> None:
        """Store answers, replacing older ones for the same numbers."""
        ...


class RoamingMetrics(Protocol):
    """What the roaming service reports (adapters/metrics.py exposes it to Prometheus)."""

    def lookup_finished(self, provider: str, seconds: float, error_kind: str | None) -> None:
        """One request to the provider ended, well (error_kind None) or not."""
        ...

    def lookup_failed_early(self, provider: str, error_kind: str) -> None:
        """A lookup ended without asking the provider (breaker open) or its caller stopped waiting."""
        ...

    def cache_hits(self, layer: str, count: int) -> None: ...
    def cache_misses(self, count: int) -> None: ...
    def breaker_changed(self, provider: str, state: str) -> None: ...


class NumberTablesSource(Protocol):
    def load(self) -> NumberTables:
        """The prefix tables for bulk number parsing: built once, then cached."""
        ...

    def loaded(self) -> NumberTables | None:
        """The tables if this source has loaded them already (never reads or builds them): a single
        check parses through them then, and a one-off command never waits seconds for a build."""
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

    def lines_of(self, rows: npt.NDArray[np.intp]) -> list[int]:
        """The line of the file (the header's is 1) on which each of these rows begins."""
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
    def discard(self, job_id: str) -> None:
        """Delete every file of the job (its retention is over, or it failed for good)."""
        ...

    def discard_partial(self, job_id: str) -> None:
        """Remove what a run that stopped mid-way left half written (the result is written aside, then
        renamed)."""
        ...
