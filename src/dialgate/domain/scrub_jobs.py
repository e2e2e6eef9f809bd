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
# A job is run again when its worker dies (a restart, a crash), but not for ever: after this many starts
# the list itself may be what kills the worker, and the job fails.
MAX_ATTEMPTS = 3


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
    attempts: int = 0  # how many times a worker has started it
    result_removed_at: datetime | None = None  # when its result was deleted, its retention over

    def stalled(self, now: datetime) -> bool:
        """Running, but its worker stopped reporting (a crash or a restart): that worker will not finish it."""
        beat = self.heartbeat_at or self.started_at
        return self.status is JobStatus.RUNNING and beat is not None and now - beat > STALLED_AFTER

    def abandoned(self, now: datetime) -> bool:
        """Stalled, and started too often to be run again."""
        return self.stalled(now) and self.attempts >= MAX_ATTEMPTS

    def result_until(self, keep: timedelta) -> datetime | None:
        """Until when the result may be downloaded (None: the job has none)."""
        if self.status is not JobStatus.DONE or self.finished_at is None:
            return None
        return self.finished_at + keep

    def result_available(self, now: datetime, keep: timedelta) -> bool:
        until = self.result_until(keep)
        return until is not None and self.result_removed_at is None and now < until
