"""Scrubs over HTTP: upload a list, follow the job, download the result."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse

from dialgate.api.auth import require, runtime
from dialgate.api.jobs import BackgroundJobs
from dialgate.api.schemas import ScrubJobPublic
from dialgate.domain.access import Principal, Scope
from dialgate.domain.scrub_jobs import JobStatus, ScrubJob
from dialgate.domain.timeutil import format_instant
from dialgate.services import scrub_jobs
from dialgate.services.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["scrub"])
Rt = Annotated[Runtime, Depends(runtime)]
Checker = Annotated[Principal, Depends(require(Scope.CHECK))]


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    while chunk := stream.read(1 << 20):
        yield chunk


@router.post("/scrubs", status_code=202, response_model=ScrubJobPublic)
def create_scrub(
    request: Request,
    rt: Rt,
    who: Checker,
    file: Annotated[UploadFile, File(description="The campaign list (CSV).")],
    campaign: Annotated[str, Form()],
    column: Annotated[str | None, Form()] = None,
    region: Annotated[str | None, Form()] = None,
    at: Annotated[str | None, Form(description="ISO 8601 instant; default now.")] = None,
    caller_id: Annotated[str | None, Form()] = None,
    encoding: Annotated[str | None, Form()] = None,
    delimiter: Annotated[str | None, Form()] = None,
) -> JSONResponse:
    """Queue a scrub of the uploaded CSV; follow it at the `Location` it answers with."""
    options = {
        "column": column,
        "region": region,
        "at": at,
        "caller_id": caller_id,
        "encoding": encoding,
        "delimiter": delimiter,
        "filename": file.filename,
    }
    job = scrub_jobs.submit_scrub(
        rt, brand=who.brand, campaign=campaign, chunks=_chunks(file.file), options=options
    )
    jobs: BackgroundJobs = request.app.state.jobs
    _queue(rt, jobs, job.id)
    body = public(job, rt)
    return JSONResponse(body, status_code=202, headers={"Location": body["links"]["self"]})


@router.get("/scrubs/{job_id}", response_model=ScrubJobPublic)
def get_scrub(job_id: str, rt: Rt, who: Checker) -> dict[str, Any]:
    """Status, progress and counts per reason (so far, then final)."""
    return public(scrub_jobs.get_scrub_job(rt, who.brand, job_id), rt)


@router.get("/scrubs/{job_id}/result", response_class=FileResponse)
def get_scrub_result(job_id: str, rt: Rt, who: Checker) -> FileResponse:
    """The scrubbed CSV: every uploaded row with dialgate_e164, _verdict, _reasons, _next_allowed_at."""
    path = scrub_jobs.scrub_result(rt, who.brand, job_id)
    return FileResponse(path, media_type="text/csv", filename=f"scrub-{job_id}.csv")


def sweep(rt: Runtime, jobs: BackgroundJobs) -> None:
    """A worker's sweep (see api/jobs.py): expired results deleted, the scrubs no worker runs queued here."""
    for job_id in scrub_jobs.sweep_scrub_jobs(rt):
        _queue(rt, jobs, job_id)


def _queue(rt: Runtime, jobs: BackgroundJobs, job_id: str) -> None:
    """Run the job on this worker's job thread (keyed by its id: queued here once at most)."""
    jobs.submit(job_id, partial(scrub_jobs.run_scrub_job, rt, job_id))


def public(job: ScrubJob, rt: Runtime) -> dict[str, Any]:
    counts = job.summary or {}
    done = job.status is JobStatus.DONE
    downloadable = job.result_available(rt.clock.now(), rt.scrub_result_keep)
    return {
        "id": job.id,
        "status": str(job.status),
        "campaign": job.campaign,
        "filename": job.options.get("filename"),
        "created_at": _instant(job.created_at),
        "started_at": _instant(job.started_at),
        "finished_at": _instant(job.finished_at),
        "progress": {
            "bytes_done": job.bytes_total if done else job.bytes_done,
            "bytes_total": job.bytes_total,
            "fraction": 1.0
            if done
            else round(job.bytes_done / job.bytes_total, 4)
            if job.bytes_total
            else 0.0,
            "rows": counts.get("rows", job.rows),
        },
        "counts": {
            "allowed": counts.get("allowed", 0),
            "blocked": counts.get("blocked", 0),
            "reasons": counts.get("reasons", {}),
            "unreadable": counts.get("unreadable", {}),
        },
        "number_column": counts.get("number_column"),
        "snapshots": counts.get("snapshots", []),
        "error": job.error,
        "result_until": _instant(job.result_until(rt.scrub_result_keep)),
        "result_removed_at": _instant(job.result_removed_at),
        "links": {
            "self": f"/v1/scrubs/{job.id}",
            "result": f"/v1/scrubs/{job.id}/result" if downloadable else None,
        },
    }


def _instant(moment: Any) -> str | None:
    return format_instant(moment) if moment is not None else None
