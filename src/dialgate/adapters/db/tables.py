"""The schema. Classes end in Row and never leave adapters/db; repositories map them to domain values."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Table, Text
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

    __table_args__ = (Index("ix_consent_events_brand_number", "brand_id", "number"),)


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
