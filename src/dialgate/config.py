"""Settings: one tree, read from the environment (prefix DIALGATE_) and from explicit overrides.

Nothing here is built at import time; `load_settings()` is called by the entry points.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    cache_dir: Path | None = Field(
        default=None,
        description="Where derived data that can always be rebuilt is cached (the prefix tables of bulk "
        "number parsing); empty means `cache` in the data directory.",
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
