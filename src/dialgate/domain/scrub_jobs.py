"""Scrubs run as background jobs (uploaded over HTTP): what a job is and what state it is in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


STALLED_AFTER = timedelta(minutes=2)  # a running job whose worker has been silent this long has died


@dataclass(frozen=True, slots=True)
class ScrubJob:
    id: str
    brand: str
    campaign: str
    status: JobStatus
    options: dict[str, str | None]  # column, region, at, caller_id, encoding, delimiter, filename
    bytes_total: int
    bytes_done: int = 0
    rows: int = 0
    summary: dict[str, Any] | None = None  # the scrub report, once done
    error: dict[str, str] | None = None  # {"code", "message"}, once failed
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = None

    def stalled(self, now: datetime) -> bool:
        """Running, but its worker stopped reporting (a crash or a restart): it will never finish."""
        beat = self.heartbeat_at or self.started_at
        return self.status is JobStatus.RUNNING and beat is not None and now - beat > STALLED_AFTER
