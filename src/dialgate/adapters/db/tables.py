"""The schema. Classes end in Row and never leave adapters/db; repositories map them to domain values."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dialgate.adapters.db.types import UTCDateTime

E164 = String(20)


class Base(DeclarativeBase):
    pass


def table(row: type[Base]) -> Table:
    """The Core table of a Row class, typed for insert()/update()/delete()."""
    t = row.__table__
    assert isinstance(t, Table)
    return t


class BrandRow(Base):
    __tablename__ = "brands"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LedgerHeadRow(Base):
    """The last sealed event of each brand's chain; appenders lock this row, so chains never fork."""

    __tablename__ = "ledger_heads"
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class ConsentEventRow(Base):
    """Append-only (database triggers refuse UPDATE and DELETE; the hash chain catches what gets past them)."""

    __tablename__ = "consent_events"
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    number: Mapped[str] = mapped_column(E164)
    channel: Mapped[str] = mapped_column(String(8))
    purpose: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(8))
    basis: Mapped[str] = mapped_column(String(10))
    party: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(10))
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actor_agent: Mapped[str | None] = mapped_column(String(200))
    actor_vendor: Mapped[str | None] = mapped_column(String(64))
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence_uri: Mapped[str | None] = mapped_column(Text)
    notice_version: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    # A number's events in ledger order straight from the index: without seq in it, SQLite walked the
    # brand's whole chain by its primary key to spare a sort (an İYS import took 7 ms a row at 50 K).
    __table_args__ = (Index("ix_consent_events_brand_number_seq", "brand_id", "number", "seq"),)


class VendorRow(Base):
    __tablename__ = "vendors"
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    accredited: Mapped[bool] = mapped_column(Boolean)
    accredited_until: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CampaignRow(Base):
    __tablename__ = "campaigns"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CampaignVersionRow(Base):
    """Every applied version of every campaign file, so a decision's campaign version can be shown later."""

    __tablename__ = "campaign_versions"
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(Text)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DncNumberRow(Base):
    __tablename__ = "dnc_numbers"
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"), primary_key=True)
    number: Mapped[str] = mapped_column(E164, primary_key=True)
    reason: Mapped[str | None] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DncLogRow(Base):
    """Who added or removed a number on the internal list, and when: the list itself only holds the present."""

    __tablename__ = "dnc_log"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"))
    number: Mapped[str] = mapped_column(E164)
    action: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_dnc_log_brand_number", "brand_id", "number"),)


class CallAttemptRow(Base):
    __tablename__ = "call_attempts"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"))
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"))
    purpose: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(E164)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(12))
    vendor_id: Mapped[str | None] = mapped_column(String(64))
    caller_id: Mapped[str | None] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_call_attempts_brand_number_at", "brand_id", "number", "at"),)


class ApiKeyRow(Base):
    """API keys are stored as SHA-256 of their secret part: the key itself is shown once, at creation."""

    __tablename__ = "api_keys"
    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"), index=True)
    vendor_id: Mapped[str | None] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DecisionRow(Base):
    """Every decision made, for the audit trail a regulator asks for. Written in batches off the hot path."""

    __tablename__ = "decisions"
    check_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    brand_id: Mapped[str] = mapped_column(String(64))
    campaign_id: Mapped[str] = mapped_column(String(64))
    campaign_version: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    verdict: Mapped[str] = mapped_column(String(5))
    reasons: Mapped[str] = mapped_column(Text)  # codes joined by |
    next_allowed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    caller_id: Mapped[str | None] = mapped_column(String(32))
    vendor_id: Mapped[str | None] = mapped_column(String(64))
    pack_version: Mapped[str | None] = mapped_column(String(32))
    snapshots: Mapped[str | None] = mapped_column(Text)
    via: Mapped[str] = mapped_column(String(8))  # cli, api, batch
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_decisions_brand_number_evaluated", "brand_id", "number", "evaluated_at"),  # newest first
        Index("ix_decisions_brand_evaluated", "brand_id", "evaluated_at"),
    )


class DecisionBatchRow(Base):
    """A batch of decisions (checks:batch, up to 10,000) as one record: shared inputs, counts for
    dashboards, and the per-row columns compressed. Check ids of its rows are `<batch_id>-<index>`."""

    __tablename__ = "decision_batches"
    batch_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    brand_id: Mapped[str] = mapped_column(String(64))
    campaign_id: Mapped[str] = mapped_column(String(64))
    campaign_version: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    caller_id: Mapped[str | None] = mapped_column(String(32))
    vendor_id: Mapped[str | None] = mapped_column(String(64))
    via: Mapped[str] = mapped_column(String(8))
    count: Mapped[int] = mapped_column(Integer)
    blocked: Mapped[int] = mapped_column(Integer)
    reason_counts: Mapped[dict[str, Any]] = mapped_column(JSON)
    pack_versions: Mapped[str | None] = mapped_column(Text)
    snapshots: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_decision_batches_brand_evaluated", "brand_id", "evaluated_at"),)


# --- consumer requests, the change feed (outbox) and vendor webhooks (issue 6) ---------------------------


class ConsumerRequestRow(Base):
    """A consumer request. Only status, closing fields and the export link ever change; the audit trail
    of every change is in consumer_request_events (append-only)."""

    __tablename__ = "consumer_requests"
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"))
    protocol: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(16))
    via: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8))
    number: Mapped[str] = mapped_column(String(64))
    number_valid: Mapped[bool] = mapped_column(Boolean)
    jurisdiction: Mapped[str | None] = mapped_column(String(8))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_rule: Mapped[str] = mapped_column(String(64))
    due_law: Mapped[str] = mapped_column(Text)
    ceiling_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ceiling_law: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    caller_id: Mapped[str | None] = mapped_column(String(64))
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    campaign: Mapped[str | None] = mapped_column(String(64))
    vendor: Mapped[str | None] = mapped_column(String(64))
    attempt_id: Mapped[int | None] = mapped_column(BigInteger)
    ledger_seq: Mapped[int | None] = mapped_column(BigInteger)
    export_path: Mapped[str | None] = mapped_column(Text)
    export_sha256: Mapped[str | None] = mapped_column(String(64))
    opened_by: Mapped[str | None] = mapped_column(String(200))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        Index("ux_consumer_requests_brand_protocol", "brand_id", "protocol", unique=True),
        Index("ix_consumer_requests_brand_status_due", "brand_id", "status", "due_at"),
        Index("ix_consumer_requests_brand_number", "brand_id", "number"),
    )


class ConsumerRequestEventRow(Base):
    """A request's audit trail. Append-only (database triggers refuse UPDATE and DELETE)."""

    __tablename__ = "consumer_request_events"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("consumer_requests.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class FeedHeadRow(Base):
    """The last sequence number of each brand's change feed. Writers lock this row only while they commit,
    so sequence numbers follow commit order and have no gaps."""

    __tablename__ = "feed_heads"
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)


class ChangeEventRow(Base):
    """The outbox: written in the transaction of the change it describes. Append-only."""

    __tablename__ = "change_events"
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[str] = mapped_column(String(32), unique=True)
    type: Mapped[str] = mapped_column(String(32))
    number: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class WebhookEndpointRow(Base):
    """A vendor's webhook and its delivery state. `cursor` moves forward only after a 2xx answer."""

    __tablename__ = "webhook_endpoints"
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"), primary_key=True)
    vendor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(100))  # needed to sign; shown once, never returned by reads
    status: Mapped[str] = mapped_column(String(8))
    cursor: Mapped[int] = mapped_column(BigInteger)
    failures: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookDeliveryRow(Base):
    """The delivery log: one row per HTTP attempt."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    brand_id: Mapped[str] = mapped_column(String(64))
    vendor_id: Mapped[str] = mapped_column(String(64))
    delivery_id: Mapped[str] = mapped_column(String(32))
    first_seq: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    events: Mapped[int] = mapped_column(Integer)
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(10))
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_webhook_deliveries_vendor", "brand_id", "vendor_id", "id"),)


class LeaseRow(Base):
    """Named leases: who runs a singleton job (the webhook dispatcher) and until when."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RegisterSnapshotRow(Base):
    """Every snapshot ever imported (kept for audit: decisions name the snapshot that answered them)."""

    __tablename__ = "register_snapshots"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(BigInteger)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    format: Mapped[str] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(2))
    source_name: Mapped[str] = mapped_column(String(500))
    source_sha256: Mapped[str] = mapped_column(String(64))
    index_path: Mapped[str] = mapped_column(String(500))
    index_bytes: Mapped[int] = mapped_column(BigInteger)
    has_listing_dates: Mapped[bool] = mapped_column(Boolean)
    base_snapshot_id: Mapped[str | None] = mapped_column(String(32))


class RegisterCurrentRow(Base):
    """The pointer: which snapshot of each register is in force. Switching is one update in one transaction."""

    __tablename__ = "register_current"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    snapshot_id: Mapped[str] = mapped_column(ForeignKey("register_snapshots.id"))
    switched_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HlrCacheRow(Base):
    """The last usable HLR answer per number, shared by every process and run (services/roaming.py).

    Freshness is decided when reading (looked_up_at against the TTL in force), so changing the TTL takes
    effect at once; a newer answer replaces the row.
    """

    __tablename__ = "hlr_cache"
    number: Mapped[str] = mapped_column(E164, primary_key=True)
    provider: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8))
    roaming: Mapped[str] = mapped_column(String(8))
    roaming_country: Mapped[str | None] = mapped_column(String(2))
    ported: Mapped[bool | None] = mapped_column(Boolean)
    original_network: Mapped[str | None] = mapped_column(String(200))
    current_network: Mapped[str | None] = mapped_column(String(200))
    mcc: Mapped[str | None] = mapped_column(String(3))
    mnc: Mapped[str | None] = mapped_column(String(3))
    looked_up_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ScrubJobRow(Base):
    """A scrub uploaded over HTTP: its state here, so any server worker can answer about it; its files
    (upload and result) in the data directory."""

    __tablename__ = "scrub_jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"), index=True)
    campaign_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    bytes_total: Mapped[int] = mapped_column(BigInteger)
    bytes_done: Mapped[int] = mapped_column(BigInteger)
    rows: Mapped[int] = mapped_column(BigInteger)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")  # starts by a worker
    result_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # retention over, file deleted


# --- the web: staff users, their sessions, rate buckets (issue 7) --------------------------------------


class StaffUserRow(Base):
    """A person who signs in to the dashboard. Passwords are stored as argon2id hashes only."""

    __tablename__ = "staff_users"
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    vendor_id: Mapped[str | None] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebSessionRow(Base):
    """A signed-in browser. The cookie holds a random token; the store keeps only its SHA-256, so a copy
    of the database cannot be used to sign in."""

    __tablename__ = "web_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("staff_users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class RateBucketRow(Base):
    """Counts of failed logins and public submissions per key (an account, a client address), shared
    by every worker: a lock-out holds whichever worker the next attempt reaches."""

    __tablename__ = "rate_buckets"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class DecisionDayRow(Base):
    """Decisions per UTC day, rolled up once the day is over (plus a grace period for late writes), so the
    dashboard's 30-day chart reads 30 rows instead of a month of decisions. `scope` is "" for the whole
    brand, or a vendor id for what a vendor viewer sees."""

    __tablename__ = "decision_days"
    brand_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    allowed: Mapped[int] = mapped_column(BigInteger)
    blocked: Mapped[int] = mapped_column(BigInteger)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
