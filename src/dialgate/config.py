"""Settings: one tree, read from the environment (prefix DIALGATE_) and from explicit overrides.

Nothing here is built at import time; `load_settings()` is called by the entry points.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebhookSettings(BaseModel):
    """Vendor webhooks and their dispatcher (env: DIALGATE_WEBHOOKS__<FIELD>)."""

    timeout_seconds: float = Field(
        default=5.0, gt=0, description="How long one delivery may take before it counts as failed."
    )
    max_failures: int = Field(
        default=10,
        ge=1,
        description="Failed attempts in a row after which a vendor's webhook is dead-lettered: deliveries "
        "stop, undelivered events stay in the feed, and `dialgate webhook resume` restarts them.",
    )
    backoff_base_seconds: float = Field(
        default=1.0,
        gt=0,
        description="First retry delay ceiling; it doubles with each failure (full jitter).",
    )
    backoff_cap_seconds: float = Field(default=300.0, gt=0, description="Longest delay between two retries.")
    batch_size: int = Field(
        default=50, ge=1, le=1000, description="Most events sent in one delivery when a vendor has a backlog."
    )
    concurrency: int = Field(
        default=64, ge=1, description="Most deliveries in flight at once, over all vendors."
    )
    poll_interval_seconds: float = Field(
        default=0.05,
        gt=0,
        description="How often the dispatcher looks for new events on SQLite. PostgreSQL wakes it by "
        "LISTEN/NOTIFY and polls only as a fallback, every `fallback_poll_seconds`.",
    )
    fallback_poll_seconds: float = Field(
        default=1.0, gt=0, description="PostgreSQL: how often to look even without a notification."
    )
    lease_seconds: float = Field(
        default=5.0,
        gt=0,
        description="SQLite: how long the dispatcher's lease lasts without renewal, so how long a crashed "
        "dispatcher's successor waits (PostgreSQL uses an advisory lock, freed the moment its holder dies).",
    )
    dispatch_in_serve: bool = Field(
        default=True, description="Run the dispatcher inside `dialgate serve` (one worker wins the lease)."
    )


class WebSettings(BaseModel):
    """The dashboard and the public consumer page (env: DIALGATE_WEB__<FIELD>)."""

    session_idle_minutes: int = Field(
        default=60, ge=1, description="A dashboard session unused this long ends (sign in again)."
    )
    session_lifetime_hours: int = Field(
        default=12, ge=1, description="A dashboard session ends this long after sign-in, used or not."
    )
    login_failures_per_account: int = Field(
        default=5,
        ge=1,
        description="Failed sign-ins to one account within `login_window_minutes` that lock it for "
        "`lockout_minutes` (counted whether or not the account exists).",
    )
    login_failures_per_address: int = Field(
        default=20,
        ge=1,
        description="Failed sign-ins from one client address (IPv6: its /64) within "
        "`login_window_minutes` that lock that address out for `lockout_minutes`.",
    )
    login_window_minutes: int = Field(
        default=15, ge=1, description="The window failed sign-ins are counted in."
    )
    lockout_minutes: int = Field(default=15, ge=1, description="How long a lock-out lasts.")
    consumer_requests_per_address: int = Field(
        default=10,
        ge=1,
        description="Forms the public consumer page accepts from one client address per "
        "`consumer_window_minutes`; more are answered 429 with Retry-After.",
    )
    consumer_window_minutes: int = Field(
        default=10, ge=1, description="The window the consumer page's per-address limit counts in."
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DIALGATE_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Field(
        default=Path(".dialgate"),
        description="Where the SQLite store, evidence files, register indexes and scrub results live.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the store; empty means an SQLite file `dialgate.db` in the data directory. "
        "postgresql://… URLs use psycopg 3.",
    )
    sqlite_busy_timeout_ms: int = Field(
        default=15000, description="How long an SQLite writer waits for another writer before failing."
    )
    clock_skew_seconds: int = Field(
        default=300,
        description="How far in the future a consent's captured_at may lie (clock drift between systems) "
        "before it is rejected as dated in the future.",
    )
    import_batch_size: int = Field(
        default=5000, description="Rows per transaction in bulk imports (consents, attempts)."
    )
    log_level: str = Field(default="INFO", description="Log level for the structured logs.")
    webhooks: WebhookSettings = Field(
        default_factory=WebhookSettings, description="Vendor webhooks: timeouts, retries, dispatcher."
    )
    web: WebSettings = Field(
        default_factory=WebSettings, description="The dashboard and the public consumer page."
    )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.data_dir / 'dialgate.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")


def normalise_database_url(url: str) -> str:
    """Accept the URLs people write (postgres://, postgresql://) and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_settings(**overrides: Any) -> Settings:
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)
