"""The scrub job repository (kept apart from repositories.py: only scrub uses it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, insert, or_, select, update

from dialgate.adapters.db.tables import ScrubJobRow, table
from dialgate.domain.scrub_jobs import JobStatus, ScrubJob

_jobs = table(ScrubJobRow)


class SqlScrubJobs:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, job: ScrubJob) -> None:
        self._c.execute(
            insert(_jobs).values(
                id=job.id,
                brand_id=job.brand,
                campaign_id=job.campaign,
                status=str(job.status),
                options=job.options,
                bytes_total=job.bytes_total,
                bytes_done=job.bytes_done,
                rows=job.rows,
                summary=job.summary,
                error=job.error,
                created_at=job.created_at,
            )
        )

    def get(self, job_id: str) -> ScrubJob | None:
        row = self._c.execute(select(_jobs).where(_jobs.c.id == job_id)).first()
        return _job(row) if row is not None else None

    def recent(self, brand: str, limit: int) -> list[ScrubJob]:
        query = select(_jobs).where(_jobs.c.brand_id == brand)
        rows = self._c.execute(query.order_by(_jobs.c.created_at.desc(), _jobs.c.id.desc()).limit(limit))
        return [_job(r) for r in rows]

    def claim(self, job_id: str, at: datetime) -> int | None:
        done = self._c.execute(
            update(_jobs)
            .where(_jobs.c.id == job_id, _jobs.c.status == str(JobStatus.QUEUED))
            .values(
                status=str(JobStatus.RUNNING), started_at=at, heartbeat_at=at, attempts=_jobs.c.attempts + 1
            )
        )
        if done.rowcount != 1:
            return None
        return int(self._c.execute(select(_jobs.c.attempts).where(_jobs.c.id == job_id)).scalar_one())

    def waiting(self, stalled_before: datetime) -> list[ScrubJob]:
        query = select(_jobs).where(
            or_(
                _jobs.c.status == str(JobStatus.QUEUED),
                and_(_jobs.c.status == str(JobStatus.RUNNING), _silent_since(stalled_before)),
            )
        )
        return [_job(r) for r in self._c.execute(query.order_by(_jobs.c.created_at, _jobs.c.id))]

    def requeue(self, job_id: str, stalled_before: datetime) -> bool:
        done = self._c.execute(
            update(_jobs)
            .where(*_stalled(job_id, stalled_before))
            .values(status=str(JobStatus.QUEUED), bytes_done=0, rows=0, summary=None)
        )
        return done.rowcount == 1

    def progress(
        self,
        job_id: str,
        attempt: int,
        at: datetime,
        bytes_done: int | None = None,
        counts: dict[str, Any] | None = None,
    ) -> bool:
        values: dict[str, Any] = {"heartbeat_at": at}
        if bytes_done is not None:
            values["bytes_done"] = bytes_done
        if counts is not None:
            values.update(rows=counts.get("rows", 0), summary=counts)
        return self._c.execute(update(_jobs).where(*_owned(job_id, attempt)).values(**values)).rowcount == 1

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
        values: dict[str, Any] = {
            "status": str(status),
            "finished_at": at,
            "heartbeat_at": at,
            "error": error,
        }
        if summary is not None:
            values.update(summary=summary, rows=summary.get("rows", 0), bytes_done=_jobs.c.bytes_total)
        return self._c.execute(update(_jobs).where(*_owned(job_id, attempt)).values(**values)).rowcount == 1

    def fail_stalled(
        self, job_id: str, stalled_before: datetime, at: datetime, error: dict[str, str]
    ) -> bool:
        done = self._c.execute(
            update(_jobs)
            .where(*_stalled(job_id, stalled_before))
            .values(status=str(JobStatus.FAILED), finished_at=at, error=error)
        )
        return done.rowcount == 1

    def results_due(self, finished_before: datetime, limit: int) -> list[str]:
        query = (
            select(_jobs.c.id)
            .where(
                _jobs.c.status == str(JobStatus.DONE),
                _jobs.c.result_removed_at.is_(None),
                _jobs.c.finished_at < finished_before,
            )
            .order_by(_jobs.c.finished_at, _jobs.c.id)
            .limit(limit)
        )
        return [row.id for row in self._c.execute(query)]

    def result_removed(self, job_id: str, at: datetime) -> None:
        self._c.execute(update(_jobs).where(_jobs.c.id == job_id).values(result_removed_at=at))


def _owned(job_id: str, attempt: int) -> tuple[ColumnElement[bool], ...]:
    """The job as the run that claimed it as `attempt` may still write it: running, and not claimed since."""
    return (_jobs.c.id == job_id, _jobs.c.status == str(JobStatus.RUNNING), _jobs.c.attempts == attempt)


def _stalled(job_id: str, before: datetime) -> tuple[ColumnElement[bool], ...]:
    """The job, if it is still running with its worker silent since `before`."""
    return (_jobs.c.id == job_id, _jobs.c.status == str(JobStatus.RUNNING), _silent_since(before))


def _silent_since(before: datetime) -> ColumnElement[bool]:
    return func.coalesce(_jobs.c.heartbeat_at, _jobs.c.started_at, _jobs.c.created_at) < before


def _job(row: Any) -> ScrubJob:
    return ScrubJob(
        id=row.id,
        brand=row.brand_id,
        campaign=row.campaign_id,
        status=JobStatus(row.status),
        options=dict(row.options),
        bytes_total=row.bytes_total,
        bytes_done=row.bytes_done,
        rows=row.rows,
        summary=row.summary,
        error=row.error,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        heartbeat_at=row.heartbeat_at,
        attempts=row.attempts,
        result_removed_at=row.result_removed_at,
    )
