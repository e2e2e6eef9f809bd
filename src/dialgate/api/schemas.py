"""Request and response models of the HTTP API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ConsentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(description="Any format; national formats need `region`.", examples=["+33639980012"])
    brand: str | None = Field(default=None, description="Defaults to the API key's brand.")
    status: str = Field(description="granted or revoked")
    channel: str = "call"
    purpose: str = "all"
    party: str = "consumer"
    basis: str = "consent"
    source: str = "api"
    captured_at: str | None = Field(default=None, description="ISO 8601 with offset; default now.")
    expires_at: str | None = None
    evidence_sha256: str | None = Field(
        default=None, description="SHA-256 of a file uploaded to /v1/evidence."
    )
    evidence_uri: str | None = None
    notice_version: str | None = None
    note: str | None = None
    actor_agent: str | None = None
    actor_vendor: str | None = None
    region: str | None = None


class ConsentEventPublic(BaseModel):
    seq: int
    brand: str
    number: str
    channel: str
    purpose: str
    status: str
    basis: str
    party: str
    source: str
    captured_at: str
    recorded_at: str
    expires_at: str | None
    actor_agent: str | None
    actor_vendor: str | None
    evidence_sha256: str | None
    evidence_uri: str | None
    notice_version: str | None
    note: str | None
    prev_hash: str
    hash: str


class ConsentStatePublic(BaseModel):
    brand: str
    number: str
    state: list[dict[str, Any]]
    history: list[ConsentEventPublic]


class EvidencePublic(BaseModel):
    sha256: str


class AttemptCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str
    campaign: str
    at: str = Field(description="When the call was placed, ISO 8601 with offset.")
    outcome: str = Field(description="answered, no-answer, busy, failed, abandoned or refused")
    vendor: str | None = None
    caller_id: str | None = None
    region: str | None = None


class AttemptPublic(BaseModel):
    number: str
    campaign: str
    brand: str
    at: str
    outcome: str
    vendor: str | None
    opt_out_recorded: bool


class DncCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str
    brand: str | None = None
    reason: str | None = None
    region: str | None = None


class DncPublic(BaseModel):
    brand: str
    number: str
    listed: bool
    changed: bool


class Health(BaseModel):
    status: str
    version: str
    store: str


class ScrubProgressPublic(BaseModel):
    bytes_done: int
    bytes_total: int
    fraction: float
    rows: int


class ScrubCountsPublic(BaseModel):
    allowed: int
    blocked: int
    reasons: dict[str, int] = Field(description="Rows carrying each reason code.")
    unreadable: dict[str, int] = Field(description="Rows kept but unreadable, per problem.")


class ScrubLinksPublic(BaseModel):
    self: str
    result: str | None = Field(
        description="The scrubbed CSV; null until the job is done and after its retention"
    )


class ScrubJobPublic(BaseModel):
    id: str
    status: str = Field(description="queued, running, done or failed")
    campaign: str
    filename: str | None
    created_at: str | None
    started_at: str | None
    finished_at: str | None
    progress: ScrubProgressPublic
    counts: ScrubCountsPublic
    number_column: str | None
    snapshots: list[dict[str, Any]]
    error: dict[str, str] | None
    result_until: str | None = Field(
        description="When the result stops (or stopped) being downloadable: DIALGATE_SCRUB_RESULT_DAYS after "
        "the scrub finished; null until it is done"
    )
    result_removed_at: str | None = Field(
        description="When the result's file was deleted, its retention over"
    )
    links: ScrubLinksPublic
