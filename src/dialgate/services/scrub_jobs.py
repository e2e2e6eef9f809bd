"""Scrubs as background jobs: submitted over HTTP, run by a worker thread, answered by any worker.

The job's state lives in the store (so every server worker can report on it); its files (the upload,
then the result) in the data directory. A job outlives the worker that queued it: every worker sweeps
the store now and then (resume_scrub_jobs) and runs the jobs nobody runs, those queued by a worker that
stopped and those whose worker died mid-run (from the start again, the upload is kept until the job
ends). Claiming is atomic, so each run of a job has one worker; a job that stopped its worker
MAX_ATTEMPTS times fails ("stalled").
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from dialgate.domain.calendar import within_calendars
from dialgate.domain.numbers import clean_region
from dialgate.domain.scrub_jobs import MAX_ATTEMPTS, STALLED_AFTER, JobStatus, ScrubJob
from dialgate.domain.timeutil import parse_instant
from dialgate.errors import ConflictError, DialgateError, GoneError, NotFoundError
from dialgate.services.campaigns import get_campaign
from dialgate.services.ports import JobFiles
from dialgate.services.runtime import Runtime
from dialgate.services.scrub import ScrubProgress, ScrubRequest, scrub_file

log = logging.getLogger("dialgate.scrub_jobs")
OPTIONS = ("column", "region", "at", "caller_id", "encoding", "delimiter")
_PROGRESS_EVERY = 0.5  # seconds between progress writes (each is a heartbeat too)
HEARTBEAT_EVERY = 20.0  # seconds between heartbeats when no progress is made: well inside STALLED_AFTER
_REMOVE_AT_ONCE = 500  # expired results deleted per sweep (the next sweep takes the rest)


def submit_scrub(
    rt: Runtime, *, brand: str, campaign: str, chunks: Iterable[bytes], options: dict[str, str | None]
) -> ScrubJob:
    """Store the upload and queue the job. What can be checked without reading the file is checked now,
    so a bad request fails at once instead of as a failed job."""
    found = get_campaign(rt, campaign)
    if found.brand != brand:
        raise NotFoundError(f"unknown campaign '{campaign}'").at(field="campaign")
    clean_region(options.get("region"))
    if options.get("at"):
        within_calendars(parse_instant(str(options["at"])))
    files = _files(rt)
    job_id = rt.ids.new_id()
    size = files.save_input(job_id, chunks)
    job = ScrubJob(
        id=job_id,
        brand=brand,
        campaign=found.id,
        status=JobStatus.QUEUED,
        options={k: options.get(k) for k in (*OPTIONS, "filename")},
        bytes_total=size,
        created_at=rt.clock.now(),
    )
    with rt.uow(write=True) as uow:
        uow.scrub_jobs.add(job)
        uow.commit()
    return job


def run_scrub_job(rt: Runtime, job_id: str) -> None:
    """Run a queued job to its end. Every outcome is recorded on the job; nothing is raised. A job that
    another worker claimed first, or that is over, is left alone.

    Every write is fenced by the attempt this run claimed: if this worker stalls long enough to be given up
    for dead and the job runs again elsewhere, this run stops at its next write, records nothing and leaves
    the job's files to the new run."""
    files = _files(rt)
    with rt.uow(write=True) as uow:
        job = uow.scrub_jobs.get(job_id)
        attempt = uow.scrub_jobs.claim(job_id, rt.clock.now()) if job is not None else None
        uow.commit()
    if job is None or attempt is None:
        return
    files.discard_partial(job_id)  # what a run that died before this one left half written
    if not files.input_path(job_id).is_file():
        _finish(
            rt,
            job_id,
            attempt,
            error={"code": "lost", "message": "the upload is no longer kept; submit it again"},
        )
        return
    request = ScrubRequest(
        source=files.input_path(job_id),
        target=files.result_path(job_id),
        campaign=job.campaign,
        brand=job.brand,
        **{k: job.options.get(k) for k in OPTIONS},
    )
    last = 0.0
    beat = _Heartbeat(rt, job_id, attempt)

    def progress(p: ScrubProgress) -> None:
        nonlocal last
        now = time.monotonic()
        if beat.superseded:
            raise _SupersededError
        if now - last < _PROGRESS_EVERY:
            return
        last = now
        with rt.uow(write=True) as uow:
            mine = uow.scrub_jobs.progress(job_id, attempt, rt.clock.now(), p.bytes_done, p.report.counts())
            uow.commit()
        if not mine:
            raise _SupersededError

    summary: dict[str, Any] | None = None
    error: dict[str, str] | None = None
    try:
        with beat:
            report = scrub_file(rt, request, progress=progress)
        summary = {k: v for k, v in report.to_dict().items() if k not in ("source", "target")}
    except _SupersededError:
        log.warning(
            "scrub job %s runs again elsewhere (attempt %d was given up for dead); stopping", job_id, attempt
        )
        return
    except DialgateError as exc:
        error = {"code": exc.code, "message": _message(exc, job)}
    except Exception as exc:  # a background job has nobody to raise to: record it
        log.exception("scrub job %s failed", job_id)
        error = {"code": "internal", "message": f"{type(exc).__name__}: {exc}"}
    # The outcome first, then the upload goes: a crash in between leaves an upload to the retention sweep,
    # never a running job without its input.
    if _finish(rt, job_id, attempt, summary=summary, error=error):
        files.discard_input(job_id)


class _SupersededError(Exception):
    """This run's job was given up for dead and queued again: stop, touching nothing."""


class _Heartbeat:
    """Beats for a run every HEARTBEAT_EVERY seconds on a thread of its own, so that no phase without
    progress (loading a brand's facts, the final fsync, a wait on a busy store) reads as a dead worker."""

    def __init__(self, rt: Runtime, job_id: str, attempt: int) -> None:
        self._rt, self._job_id, self._attempt = rt, job_id, attempt
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scrub-heartbeat", daemon=True)
        self.superseded = False

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(HEARTBEAT_EVERY):
            try:
                with self._rt.uow(write=True) as uow:
                    mine = uow.scrub_jobs.progress(self._job_id, self._attempt, self._rt.clock.now())
                    uow.commit()
            except DialgateError:  # the store is busy or down: the next beat tries again
                log.warning("scrub job %s: a heartbeat could not be written", self._job_id, exc_info=True)
                continue
            if not mine:
                self.superseded = True
                return


def _finish(
    rt: Runtime,
    job_id: str,
    attempt: int,
    *,
    summary: dict[str, Any] | None = None,
    error: dict[str, str] | None = None,
) -> bool:
    """Record this attempt's outcome; False when the job is no longer this attempt's."""
    status = JobStatus.DONE if error is None else JobStatus.FAILED
    with rt.uow(write=True) as uow:
        mine = uow.scrub_jobs.finish(job_id, attempt, status, rt.clock.now(), summary=summary, error=error)
        uow.commit()
    return mine


def sweep_scrub_jobs(rt: Runtime) -> list[str]:
    """A server worker's periodic turn: delete the files whose retention is over, then return the jobs
    that wait for a worker (resume_scrub_jobs). Either step failing does not stop the other."""
    try:
        remove_expired_results(rt)
    except DialgateError:
        log.exception("scrub results could not be expired; the next sweep tries again")
    return resume_scrub_jobs(rt)


def remove_expired_results(rt: Runtime) -> list[str]:
    """Delete the files of jobs that finished more than rt.scrub_result_keep ago (the job, its counts and
    its snapshots stay). The files go first: a crash in between leaves the mark for the next turn. A job
    whose files cannot be deleted is logged and left for the next turn; the others go on."""
    now = rt.clock.now()
    with rt.uow() as uow:
        due = uow.scrub_jobs.results_due(now - rt.scrub_result_keep, _REMOVE_AT_ONCE)
    removed = [job_id for job_id in due if _discard(rt, job_id)]
    if removed:
        with rt.uow(write=True) as uow:
            for job_id in removed:
                uow.scrub_jobs.result_removed(job_id, now)
            uow.commit()
        log.info("deleted the results of %d scrub jobs at the end of their retention", len(removed))
    return removed


def resume_scrub_jobs(rt: Runtime) -> list[str]:
    """The jobs that wait for a worker, oldest first: queued ones, and running ones whose worker died
    (put back in the queue). A job that has stopped its worker MAX_ATTEMPTS times is failed instead, and
    its files go."""
    now = rt.clock.now()
    cutoff = now - STALLED_AFTER
    ready: list[str] = []
    failed: list[str] = []
    with rt.uow(write=True) as uow:
        for job in uow.scrub_jobs.waiting(cutoff):
            if job.status is JobStatus.QUEUED:
                ready.append(job.id)
            elif job.attempts >= MAX_ATTEMPTS:
                if uow.scrub_jobs.fail_stalled(job.id, cutoff, now, _abandoned(job)):
                    log.warning("scrub job %s stopped its worker %d times; failing it", job.id, job.attempts)
                    failed.append(job.id)
            elif uow.scrub_jobs.requeue(job.id, cutoff):
                log.info("scrub job %s lost its worker; queued again", job.id)
                ready.append(job.id)
        uow.commit()
    for job_id in failed:
        _discard(rt, job_id)
    return ready


def _discard(rt: Runtime, job_id: str) -> bool:
    """Delete the job's files; a failure is logged (the caller leaves the job for the next turn)."""
    try:
        _files(rt).discard(job_id)
    except OSError:
        log.exception("the files of scrub job %s could not be deleted", job_id)
        return False
    return True


def get_scrub_job(rt: Runtime, brand: str, job_id: str) -> ScrubJob:
    """The job as its brand may see it (as_reported)."""
    with rt.uow() as uow:
        job = uow.scrub_jobs.get(job_id)
    if job is None or job.brand != brand:
        raise NotFoundError(f"no scrub job '{job_id}'")
    return as_reported(job, rt.clock.now())


def as_reported(job: ScrubJob, now: datetime) -> ScrubJob:
    """A job whose worker died reads as queued (the next sweep runs it again), or as failed once it has
    stopped its worker MAX_ATTEMPTS times, before any sweep has written so."""
    if job.abandoned(now):
        return replace(job, status=JobStatus.FAILED, error=_abandoned(job))
    if job.stalled(now):
        return replace(job, status=JobStatus.QUEUED)
    return job


def scrub_result(rt: Runtime, brand: str, job_id: str) -> Path:
    job = get_scrub_job(rt, brand, job_id)
    if job.status is not JobStatus.DONE:
        raise ConflictError(f"scrub job '{job_id}' is {job.status}; its result is ready when it is done")
    if not job.result_available(rt.clock.now(), rt.scrub_result_keep):
        ended = (
            f"was deleted on {job.result_removed_at:%Y-%m-%d}"
            if job.result_removed_at is not None
            else f"was kept until {job.result_until(rt.scrub_result_keep):%Y-%m-%d %H:%M} UTC"
        )
        raise GoneError(
            f"the result of scrub job '{job_id}' {ended}: results are kept {rt.scrub_result_keep.days} days "
            "after the scrub; its counts and the snapshots it used remain"
        )
    path = _files(rt).result_path(job_id)
    if not path.is_file():
        raise NotFoundError(f"the result of scrub job '{job_id}' is no longer kept")
    return path


def _abandoned(job: ScrubJob) -> dict[str, str]:
    return {
        "code": "stalled",
        "message": f"the server worker running this scrub stopped, {job.attempts} times; submit it again",
    }


def _files(rt: Runtime) -> JobFiles:
    if rt.job_files is None:
        raise RuntimeError("no JobFiles adapter is wired into the runtime")
    return rt.job_files


def _message(exc: DialgateError, job: ScrubJob) -> str:
    """The error as the uploader knows the file (by its name, not the server's path for it)."""
    where = []
    if exc.location is not None:
        if exc.location.line is not None:
            where.append(f"{job.options.get('filename') or 'upload'}:{exc.location.line}")
        if exc.location.field:
            where.append(f"field '{exc.location.field}'")
    return (", ".join(where) + ": " if where else "") + exc.message
