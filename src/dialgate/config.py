"""Settings: one tree, read from the environment (prefix DIALGATE_) and from explicit overrides.

Nothing here is built at import time; `load_settings()` is called by the entry points.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dialgate.domain.webhooks import parse_networks

HlrStatusValue = Literal["active", "absent", "unknown", "unknown-number"]


class HlrFieldMap(BaseModel):
    """Where an HLR provider's JSON keeps each fact: dotted paths (`results.0.to`), `a|b` = first present.

    Two presets ship (`HLR_SHAPES`); `hlr.mapping` overrides any of their fields, so a third vendor with a
    similar JSON answer needs configuration, not code.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(description="Request path, appended to hlr.url.")
    request_body: str = Field(
        description="JSON request body; $e164 is replaced by +<digits>, $digits by the digits alone."
    )
    auth_header: str = Field(description="Header that carries the API key.")
    auth_scheme: str = Field(default="", description="Text before the key in that header, e.g. 'App '.")
    result: str = Field(default="", description="Path of the lookup result in the answer ('' = the root).")
    number: str = Field(description="The number the answer is about (checked against the request).")
    status: str = Field(description="Path of the reachability status.")
    status_values: dict[str, HlrStatusValue] = Field(
        description="Provider status values and what they mean; unlisted values mean 'unknown'."
    )
    roaming: str = Field(description="Path of the roaming flag (true/false, 'Yes'/'No').")
    roaming_country_iso: str = Field(default="", description="Roaming country as ISO 3166 alpha-2.")
    roaming_country_prefix: str = Field(default="", description="Roaming country as a calling code.")
    roaming_country_name: str = Field(default="", description="Roaming country's English name.")
    ported: str = Field(default="", description="Path of the ported flag.")
    original_network: str = Field(default="", description="Path of the original network's name.")
    current_network: str = Field(default="", description="Path of the current network's name.")
    mcc: str = Field(default="", description="Path of the MCC.")
    mnc: str = Field(default="", description="Path of the MNC.")
    mccmnc: str = Field(
        default="", description="Path of MCC+MNC in one string (used when mcc/mnc are absent)."
    )
    error_message: str = Field(default="", description="Path of the provider's error text, for messages.")


HLR_SHAPES: dict[str, dict[str, Any]] = {
    # hlr-lookups.com v2 `POST /hlr-lookup` (anchors.md §1.6). Their production API signs requests with an
    # HMAC digest; configure a gateway that signs, or a vendor account that accepts the key header alone.
    "hlr-lookups": {
        "path": "/api/v2/hlr-lookup",
        "request_body": '{"msisdn": "$e164"}',
        "auth_header": "X-Digest-Key",
        "number": "msisdn",
        "status": "connectivity_status",
        "status_values": {
            "CONNECTED": "active",
            "ABSENT": "absent",
            "INVALID_MSISDN": "unknown-number",
            "UNDETERMINED": "unknown",
        },
        "roaming": "is_roaming",
        "roaming_country_iso": "roaming_country_code",
        "roaming_country_prefix": "roaming_country_prefix",
        "roaming_country_name": "roaming_country_name",
        "ported": "is_ported",
        "original_network": "original_network_name",
        "current_network": "ported_network_name|original_network_name",
        "mcc": "mcc",
        "mnc": "mnc",
        "mccmnc": "mccmnc",
        "error_message": "errors.0.message|message",
    },
    # Infobip Number Lookup `POST /number/1/query` (anchors.md §1.6): numbers without '+', results in a list.
    "infobip": {
        "path": "/number/1/query",
        "request_body": '{"to": ["$digits"]}',
        "auth_header": "Authorization",
        "auth_scheme": "App ",
        "result": "results.0",
        "number": "to",
        "status": "error.name",
        "status_values": {
            "NO_ERROR": "active",
            "EC_ABSENT_SUBSCRIBER": "absent",
            "EC_ABSENT_SUBSCRIBER_SM": "absent",
            "EC_UNKNOWN_SUBSCRIBER": "unknown-number",
        },
        "roaming": "roaming",
        "roaming_country_prefix": "roamingNetwork.countryPrefix",
        "roaming_country_name": "roamingNetwork.countryName",
        "ported": "ported",
        "original_network": "originalNetwork.networkName",
        "current_network": "portedNetwork.networkName|originalNetwork.networkName",
        "mccmnc": "mccMnc",
        "error_message": "requestError.serviceException.text",
    },
}


class HlrSettings(BaseModel):
    """Roaming lookups (HLR): which provider, how hard to push it, how long answers stay good."""

    model_config = ConfigDict(extra="forbid")

    provider: Literal["fake", "http"] = Field(
        default="fake",
        description="`fake` answers from a scenario file (development, demo, tests); `http` asks a provider.",
    )
    fake_data: Path | None = Field(
        default=None,
        description="Scenario file (TOML or JSON) for the fake provider and hlr-sim; empty = the bundled one.",
    )
    url: str | None = Field(
        default=None, description="Base URL of the HTTP provider, e.g. https://api.infobip.com."
    )
    api_key: SecretStr | None = Field(default=None, description="The HTTP provider's API key (no default).")
    shape: Literal["hlr-lookups", "infobip"] = Field(
        default="hlr-lookups", description="Preset for the provider's request and answer (HLR_SHAPES)."
    )
    mapping: dict[str, Any] = Field(
        default_factory=dict, description="Overrides of the preset's fields (HlrFieldMap), e.g. another path."
    )
    name: str | None = Field(
        default=None, description="Provider name in metrics and results (default: 'fake' or the shape)."
    )
    transport: Literal["keepalive", "httpcore"] = Field(
        default="keepalive",
        description="HTTP client transport: dialgate's lean HTTP/1.1 keep-alive pool, or httpx's stock "
        "httpcore pool (proxies from the environment), which costs ~25 times the CPU per lookup.",
    )
    timeout_ms: int = Field(default=2000, ge=1, description="Longest wait for one provider answer.")
    concurrency: int = Field(default=64, ge=1, description="Lookups in flight at once, per process.")
    rate_per_second: float = Field(
        default=0, ge=0, description="Most lookups started per second, per process (0 = no limit)."
    )
    retries: int = Field(default=2, ge=0, description="Extra attempts after a retryable failure.")
    backoff_ms: int = Field(
        default=50, ge=0, description="First retry's backoff; doubles per retry, with jitter."
    )
    backoff_max_ms: int = Field(default=2000, ge=0, description="Longest backoff between two attempts.")
    retry_after_max_seconds: float = Field(
        default=5, ge=0, description="A 429 asking to wait longer than this is not retried."
    )
    breaker_failures: int = Field(
        default=5, ge=1, description="Consecutive provider failures that open the circuit breaker."
    )
    breaker_open_seconds: float = Field(
        default=30, gt=0, description="How long an open breaker refuses lookups before one trial."
    )
    breaker_half_open_probes: int = Field(
        default=1, ge=1, description="Trial lookups allowed at once while half-open."
    )
    cache_ttl_seconds: int = Field(
        default=3600,
        ge=0,
        description="How long an answer stays good (roaming changes by the hour); 0 disables caching.",
    )
    cache_memory_entries: int = Field(
        default=200_000, ge=0, description="Answers kept in process memory in front of the store's cache."
    )
    check_budget_ms: int = Field(
        default=300, ge=1, description="Most time a single check spends on a roaming lookup."
    )
    fail_open: bool = Field(
        default=False,
        description="When the roaming status cannot be found: false blocks the call (ROAMING_UNKNOWN), "
        "true lets it through and says so.",
    )

    def field_map(self) -> HlrFieldMap:
        return HlrFieldMap.model_validate({**HLR_SHAPES[self.shape], **self.mapping})

    @property
    def provider_name(self) -> str:
        return self.name or ("fake" if self.provider == "fake" else self.shape)


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
        description="SQLite: how often the dispatcher asks the database file whether anything was committed "
        "(a check that reads no table; it looks for new events only when something was). PostgreSQL wakes "
        "it by LISTEN/NOTIFY instead.",
    )
    fallback_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        description="How often the dispatcher looks for new events even when nothing told it to (no "
        "notification on PostgreSQL, no commit seen on SQLite).",
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
    allowed_networks: list[str] = Field(
        default_factory=list,
        description="Addresses or networks (10.20.0.0/16, 127.0.0.1) webhooks may reach besides public "
        'addresses, as a JSON list (["10.20.0.0/16"]): a vendor\'s system on the internal network. Loopback, '
        "private, link-local and other non-public addresses are refused otherwise, when the URL is set and "
        "when each delivery connects.",
    )

    @field_validator("allowed_networks")
    @classmethod
    def _networks(cls, entries: list[str]) -> list[str]:
        parse_networks(entries)  # raises ValueError naming the entry
        return entries


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
        description="How far other systems' clocks may drift. An instant given in the future (a consent's "
        "captured_at, an attempt's at, a complaint's called_at) is accepted within it; and a revocation counts "
        "that long before its recording, so that a dialer whose clock runs behind never calls a number just revoked.",
    )
    import_batch_size: int = Field(
        default=5000, description="Rows per transaction in bulk imports (consents, attempts)."
    )
    scrub_result_days: int = Field(
        default=31,
        ge=1,
        description="Days the result of a scrub uploaded over HTTP or the dashboard can be downloaded; then "
        "the file is deleted (a cleaned list is stale by then for most registers: US 31 days, France 30, UK "
        "28, Italy 15). The job, its counts and the snapshots it used are kept.",
    )
    register_import_memory_mb: int = Field(
        default=1024,
        description="Memory a register import may use to sort numbers (8 bytes a number); larger files are "
        "sorted in runs on disk and merged, so memory does not grow with the file.",
    )
    register_refresh_ms: int = Field(
        default=500,
        description="How often a process re-reads which register snapshot is in force (so a server notices "
        "an import made elsewhere within this delay).",
    )
    log_level: str = Field(default="INFO", description="Log level for the structured logs.")
    webhooks: WebhookSettings = Field(
        default_factory=WebhookSettings, description="Vendor webhooks: timeouts, retries, dispatcher."
    )
    hlr: HlrSettings = Field(
        default_factory=HlrSettings,
        description="Roaming lookups (DIALGATE_HLR__PROVIDER, DIALGATE_HLR__URL, …).",
    )
    cache_dir: Path | None = Field(
        default=None,
        description="Where derived data that can always be rebuilt is cached (the prefix tables of bulk "
        "number parsing); empty means `cache` in the data directory.",
    )
    web: WebSettings = Field(
        default_factory=WebSettings, description="The dashboard and the public consumer page."
    )

    @property
    def resolved_cache_dir(self) -> Path:
        return self.cache_dir if self.cache_dir is not None else self.data_dir / "cache"

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
