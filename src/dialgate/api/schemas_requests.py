"""HTTP models for consumer requests, the change feed and vendor webhooks."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class RequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="opt-out, cancellation, complaint or access", examples=["opt-out"])
    number: str = Field(
        description="The consumer's number. A complaint keeps it as written when it does not parse.",
        examples=["+5511900000123"],
    )
    via: str = Field(description="web, phone, sms, email, agent or ivr", examples=["web"])
    brand: str | None = Field(default=None, description="Defaults to the API key's brand.")
    text: str | None = Field(default=None, description="What the person said or wrote.")
    region: str | None = Field(default=None, description="Region of a national-format number.")
    caller_id: str | None = Field(default=None, description="Complaints: the caller ID the person saw.")
    called_at: str | None = Field(default=None, description="Complaints: when the call came (ISO 8601).")
    campaign: str | None = None
    vendor: str | None = Field(default=None, description="Defaults to the API key's vendor.")


class RequestClose(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resolution: str = Field(description="How the request was resolved, in words a regulator can read.")


class RequestEventPublic(BaseModel):
    at: str
    action: str
    actor: str | None
    detail: dict[str, Any]


class RequestPublic(BaseModel):
    id: str
    protocol: str = Field(description="Read out on the phone: 7 characters and a check character.")
    brand: str
    kind: str
    via: str
    status: str
    number: str
    number_valid: bool
    jurisdiction: str | None
    received_at: str
    due_at: str
    due_rule: str
    due_law: str
    law_allows_until: str | None = Field(description="Opt-outs: the latest moment the law would allow.")
    law_allows_until_law: str | None
    text: str | None
    caller_id: str | None
    called_at: str | None
    campaign: str | None
    vendor: str | None
    attempt_id: int | None
    ledger_seq: int | None
    export_path: str | None
    export_sha256: str | None
    closed_at: str | None
    resolution: str | None
    closed_by: str | None
    opened_by: str | None
    closed_in_time: bool | None
    overdue: bool
    events: list[RequestEventPublic] | None = None


class RequestList(BaseModel):
    requests: list[RequestPublic]


class ResolutionIndexPublic(BaseModel):
    brand: str
    kind: str
    closed_in_time: int
    closed_late: int
    open_overdue: int
    open_in_time: int
    share_in_time: float | None


class ResolutionIndexList(BaseModel):
    index: list[ResolutionIndexPublic]


class FeedEventPublic(BaseModel):
    id: str = Field(description="Unique; deliveries are at least once, so deduplicate on it.")
    brand: str
    cursor: int
    type: str
    number: str | None
    occurred_at: str
    data: dict[str, Any]


class FeedPagePublic(BaseModel):
    brand: str
    events: list[FeedEventPublic]
    next_after: int = Field(description="Pass as `after` for the next page.")
    head: int = Field(description="The brand's latest cursor.")


class WebhookSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(examples=["https://crm.callco.example/dialgate"])
    after: int | None = Field(
        default=None, description="Start after this cursor (0 replays the whole feed; default: from now)."
    )


class WebhookCreated(BaseModel):
    vendor: str
    url: str
    status: str
    cursor: int
    secret: str = Field(description="The signing secret: shown once, store it now.")


class VendorStatusPublic(BaseModel):
    brand: str
    vendor: str
    url: str | None
    status: str
    acknowledged_cursor: int | None
    head_cursor: int
    lag_events: int | None
    lag_seconds: float | None
    failures: int
    next_attempt_at: str | None
    last_delivered_at: str | None
    last_error: str | None


class VendorStatusList(BaseModel):
    vendors: list[VendorStatusPublic]


class DeliveryPublic(BaseModel):
    delivery_id: str
    vendor: str
    first_cursor: int
    last_cursor: int
    events: int
    attempt: int
    at: str
    outcome: str
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryList(BaseModel):
    deliveries: list[DeliveryPublic]
