"""Scrubs over HTTP, against a real server on loopback: upload, follow the job, download the result."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import httpx
import pytest
import uvicorn

from dialgate.api.app import create_app
from dialgate.bootstrap import build
from dialgate.domain.scrub_jobs import JobStatus, ScrubJob
from dialgate.domain.timeutil import format_instant
from dialgate.services import scrub_jobs
from dialgate.services.apikeys import create_api_key
from dialgate.services.brands import add_brand
from dialgate.services.campaigns import apply_campaign
from dialgate.services.scrub import ScrubProgress, ScrubReport
from dialgate.services.scrub_jobs import remove_expired_results, resume_scrub_jobs, run_scrub_job
from tests.fakes import InMemoryRegisterStore, InMemorySnapshot

CAMPAIGN = """
id = "{id}"
brand = "{brand}"
purpose = "marketing"
caller_id = "+12025550100"
countries = ["US"]
registries = ["US-DNC"]
"""
AT = "2026-11-23T15:00:00Z"  # 10:00 in New York, a Monday
LIST = b"id,phone,name\n1,+1 212 555 0101,Ada\n2,(212) 555-0102,Bea\n3,,Cal\n4,+44 7700 900123,Dora\n"


@contextmanager
def _serving(settings, clock, number_tables_dir, *, sweep: bool = False) -> Iterator[tuple[str, object]]:
    """One server worker on loopback over the store `settings` name (several may share one store). Its
    sweeper runs only with `sweep`: the other tests sweep themselves, at the clock's moments."""
    settings = settings.model_copy(update={"cache_dir": number_tables_dir})
    container = build(settings, clock=clock)
    container.runtime.registers = InMemoryRegisterStore(InMemorySnapshot("US-DNC", ["+12125550101"]))
    app = create_app(container, sweep_jobs=sweep)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        container.close()


@pytest.fixture
def server(settings, clock, number_tables_dir) -> Iterator[tuple[str, object]]:
    with _serving(settings, clock, number_tables_dir) as served:
        yield served


def _brand_with_key(rt, brand: str) -> dict[str, str]:
    add_brand(rt, brand)
    apply_campaign(rt, CAMPAIGN.format(id=f"{brand}-list", brand=brand), file="c.toml")
    key = create_api_key(rt, brand=brand, scopes=["check"])
    return {"Authorization": f"Bearer {key}"}


def _wait_done(client: httpx.Client, url: str, headers: dict[str, str]) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body = client.get(url, headers=headers).json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.05)
    raise AssertionError(f"job did not finish: {body}")


def test_an_uploaded_list_is_scrubbed_in_the_background_and_downloaded(server):
    base, app = server
    rt = app.state.runtime
    headers = _brand_with_key(rt, "acme")
    with httpx.Client(base_url=base, timeout=30) as client:
        created = client.post(
            "/v1/scrubs",
            headers=headers,
            files={"file": ("leads.csv", LIST, "text/csv")},
            data={"campaign": "acme-list", "region": "US", "at": AT},
        )
        assert created.status_code == 202, created.text
        job = created.json()
        assert job["status"] == "queued" and created.headers["location"] == f"/v1/scrubs/{job['id']}"
        done = _wait_done(client, created.headers["location"], headers)
        assert done["status"] == "done", done
        assert done["progress"]["rows"] == 4 and done["progress"]["fraction"] == 1.0
        assert done["counts"] == {
            "allowed": 1,
            "blocked": 3,
            # the UK row is outside the campaign, and every rule of its pack is still reported (no TPS loaded)
            "reasons": {
                "INVALID_NUMBER": 1,
                "DESTINATION_NOT_ALLOWED": 1,
                "NATIONAL_REGISTRY": 1,
                "REGISTRY_MISSING": 1,
            },
            "unreadable": {},
        }
        assert done["snapshots"][0]["name"] == "US-DNC"
        result = client.get(done["links"]["result"], headers=headers)
        assert result.status_code == 200 and result.headers["content-type"].startswith("text/csv")
        assert (
            result.content.splitlines()[1] == b"1,+1 212 555 0101,Ada,+12125550101,BLOCK,NATIONAL_REGISTRY,"
        )


def test_a_key_sees_only_its_own_brands_jobs(server):
    base, app = server
    rt = app.state.runtime
    acme = _brand_with_key(rt, "acme")
    other = _brand_with_key(rt, "globex")
    with httpx.Client(base_url=base, timeout=30) as client:
        created = client.post(
            "/v1/scrubs", headers=acme, files={"file": ("l.csv", LIST)}, data={"campaign": "acme-list"}
        )
        url = created.headers["location"]
        _wait_done(client, url, acme)
        assert client.get(url, headers=other).status_code == 404
        assert client.get(url + "/result", headers=other).status_code == 404
        refused = client.post(
            "/v1/scrubs", headers=other, files={"file": ("l.csv", LIST)}, data={"campaign": "acme-list"}
        )
        assert refused.status_code == 404 and refused.headers["content-type"] == "application/problem+json"


def test_bad_requests_fail_at_once_and_bad_files_fail_the_job(server):
    base, app = server
    headers = _brand_with_key(app.state.runtime, "acme")
    with httpx.Client(base_url=base, timeout=30) as client:
        for field, value in (("region", "France"), ("at", "2101-07-04T15:00:00Z")):  # beyond the holidays
            bad = client.post(
                "/v1/scrubs",
                headers=headers,
                files={"file": ("l.csv", LIST)},
                data={"campaign": "acme-list", field: value},
            )
            assert bad.status_code == 422 and bad.json()["field"] == field, value
        assert (
            client.post("/v1/scrubs", files={"file": ("l.csv", LIST)}, data={"campaign": "x"}).status_code
            == 401
        )
        created = client.post(
            "/v1/scrubs",
            headers=headers,
            files={"file": ("contacts.csv", b"id,name\n1,Ada\n")},
            data={"campaign": "acme-list"},
        )
        failed = _wait_done(client, created.headers["location"], headers)
        assert failed["status"] == "failed" and failed["error"]["code"] == "invalid_input"
        assert failed["error"]["message"].startswith(
            "contacts.csv:1, field 'column': no column holds phone numbers"
        )
        conflict = client.get(created.headers["location"] + "/result", headers=headers)
        assert conflict.status_code == 409


def _submit_to_a_dying_worker(base: str, app, headers: dict[str, str]) -> str:
    """Upload a list to a worker that stops before it runs anything: the job stays queued."""
    app.state.jobs.submit = lambda key, work: None
    with httpx.Client(base_url=base, timeout=30) as client:
        created = client.post(
            "/v1/scrubs", headers=headers, files={"file": ("l.csv", LIST)}, data={"campaign": "acme-list"}
        )
    assert created.status_code == 202, created.text
    return str(created.json()["id"])


def test_a_job_queued_by_a_worker_that_stopped_is_run_by_the_next_one_to_start(
    server, settings, clock, number_tables_dir
):
    base, app = server
    headers = _brand_with_key(app.state.runtime, "acme")
    job_id = _submit_to_a_dying_worker(base, app, headers)
    time.sleep(0.3)
    with httpx.Client(base_url=base, timeout=30) as client:
        assert client.get(f"/v1/scrubs/{job_id}", headers=headers).json()["status"] == "queued"
    # another worker (or this one, restarted) sweeps the store as it starts
    with (
        _serving(settings, clock, number_tables_dir, sweep=True) as (other, _),
        httpx.Client(base_url=other) as client,
    ):
        done = _wait_done(client, f"/v1/scrubs/{job_id}", headers)
        assert done["status"] == "done" and done["progress"]["rows"] == 4, done
        assert client.get(done["links"]["result"], headers=headers).content.startswith(b"id,phone,name,")


def test_a_job_whose_worker_died_mid_run_is_run_again_then_given_up(server, clock):
    base, app = server
    rt = app.state.runtime
    headers = _brand_with_key(rt, "acme")
    job_id = _submit_to_a_dying_worker(base, app, headers)
    files = rt.job_files
    with httpx.Client(base_url=base, timeout=30) as client:
        for attempt in (1, 2, 3):
            with rt.uow(write=True) as uow:  # a worker claims it, writes half a result, and dies
                assert uow.scrub_jobs.claim(job_id, clock.now())
                uow.commit()
            (files.result_path(job_id).parent / ".result.csv.0badf00d.partial").write_bytes(b"id,ph")
            assert client.get(f"/v1/scrubs/{job_id}", headers=headers).json()["status"] == "running"
            clock.advance(minutes=1)
            assert resume_scrub_jobs(rt) == []  # silent for a minute: not yet given up for dead
            clock.advance(minutes=2)
            body = client.get(f"/v1/scrubs/{job_id}", headers=headers).json()
            if attempt < 3:
                assert body["status"] == "queued", body  # it will be run again
                assert resume_scrub_jobs(rt) == [job_id]
                with rt.uow() as uow:
                    assert uow.scrub_jobs.get(job_id).status == JobStatus.QUEUED
            else:
                assert body["status"] == "failed" and body["error"]["code"] == "stalled", body
                assert "3 times" in body["error"]["message"]
                assert resume_scrub_jobs(rt) == []
                with rt.uow() as uow:
                    assert uow.scrub_jobs.get(job_id).status == JobStatus.FAILED
                assert not files.result_path(job_id).parent.exists()  # the upload and the half result


def test_a_resumed_job_runs_once_and_leaves_no_half_written_file(server, clock):
    base, app = server
    rt = app.state.runtime
    headers = _brand_with_key(rt, "acme")
    job_id = _submit_to_a_dying_worker(base, app, headers)
    assert _claims_at_once(rt, job_id, clock.now()) == [1]  # of two workers claiming at once, one wins
    leftover = rt.job_files.result_path(job_id).parent / ".result.csv.0badf00d.partial"
    leftover.write_bytes(b"id,ph")
    clock.advance(minutes=3)
    assert resume_scrub_jobs(rt) == [job_id]
    run_scrub_job(rt, job_id)
    run_scrub_job(rt, job_id)  # a duplicate in some worker's queue: the job is over, nothing happens
    with httpx.Client(base_url=base, timeout=30) as client:
        done = client.get(f"/v1/scrubs/{job_id}", headers=headers).json()
    assert done["status"] == "done" and done["progress"]["rows"] == 4, done
    assert not leftover.exists() and rt.job_files.result_path(job_id).is_file()
    with rt.uow() as uow:
        assert uow.scrub_jobs.get(job_id).attempts == 2


def _claims_at_once(rt, job_id: str, at) -> list[int]:
    """Two workers claim the job at the same moment, each in its own transaction: the attempts won."""
    start = threading.Barrier(2)
    won: list[int] = []

    def claim() -> None:
        start.wait()
        with rt.uow(write=True) as uow:
            attempt = uow.scrub_jobs.claim(job_id, at)
            uow.commit()
        if attempt is not None:
            won.append(attempt)

    workers = [threading.Thread(target=claim) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return won


def test_a_run_given_up_for_dead_stops_when_it_wakes_and_leaves_the_job_to_the_new_run(
    server, clock, monkeypatch
):
    base, app = server
    rt = app.state.runtime
    headers = _brand_with_key(rt, "acme")
    job_id = _submit_to_a_dying_worker(base, app, headers)
    seen: list[str] = []

    def stalls_then_reports(rt_, request, *, progress):
        # This worker stalls past STALLED_AFTER; another worker's sweep queues the job again and claims it.
        clock.advance(minutes=3)
        assert resume_scrub_jobs(rt) == [job_id]
        with rt.uow(write=True) as uow:
            assert uow.scrub_jobs.claim(job_id, clock.now()) == 2
            uow.commit()
        try:
            progress(ScrubProgress(10, 100, 1, ScrubReport("in", "out", "acme-list")))
        except Exception as exc:
            seen.append(type(exc).__name__)
            raise
        raise AssertionError("a superseded run went on")

    monkeypatch.setattr(scrub_jobs, "scrub_file", stalls_then_reports)
    run_scrub_job(rt, job_id)
    assert seen == ["_SupersededError"]
    with rt.uow() as uow:
        job = uow.scrub_jobs.get(job_id)
        assert (job.status, job.attempts, job.error) == (JobStatus.RUNNING, 2, None)  # the new run's
        assert not uow.scrub_jobs.finish(job_id, 1, JobStatus.FAILED, clock.now(), error={"code": "x"})
        assert not uow.scrub_jobs.progress(job_id, 1, clock.now())
    assert rt.job_files.input_path(job_id).is_file()  # kept for the new run


def test_a_job_whose_upload_is_gone_fails_with_a_reason(server):
    base, app = server
    rt = app.state.runtime
    headers = _brand_with_key(rt, "acme")
    job_id = _submit_to_a_dying_worker(base, app, headers)
    rt.job_files.discard_input(job_id)
    run_scrub_job(rt, job_id)
    with httpx.Client(base_url=base, timeout=30) as client:
        body = client.get(f"/v1/scrubs/{job_id}", headers=headers).json()
    assert body["status"] == "failed" and body["error"]["code"] == "lost", body


def test_jobs_record_their_progress_for_other_workers(rt):
    add_brand(rt, "acme")
    with rt.uow(write=True) as uow:
        uow.scrub_jobs.add(
            ScrubJob(
                id="01JTESTJOB0000000000000000",
                brand="acme",
                campaign="c",
                status=JobStatus.QUEUED,
                options={"region": "US"},
                bytes_total=100,
                created_at=rt.clock.now(),
            )
        )
        uow.commit()
    with rt.uow(write=True) as uow:
        attempt = uow.scrub_jobs.claim("01JTESTJOB0000000000000000", rt.clock.now())
        assert attempt == 1
        assert uow.scrub_jobs.progress(
            "01JTESTJOB0000000000000000", 1, rt.clock.now(), 40, {"rows": 7, "blocked": 2}
        )
        uow.commit()
    with rt.uow() as uow:
        found = uow.scrub_jobs.get("01JTESTJOB0000000000000000")
    assert found is not None
    assert (found.status, found.bytes_done, found.rows, found.summary) == (
        JobStatus.RUNNING,
        40,
        7,
        {"rows": 7, "blocked": 2},
    )
    assert found.heartbeat_at is not None and not found.stalled(rt.clock.now() + timedelta(seconds=30))


def test_a_result_is_kept_for_its_retention_then_deleted_and_the_job_remains(server, clock):
    base, app = server
    rt = app.state.runtime
    headers = _brand_with_key(rt, "acme")
    with httpx.Client(base_url=base, timeout=30) as client:
        created = client.post(
            "/v1/scrubs", headers=headers, files={"file": ("l.csv", LIST)}, data={"campaign": "acme-list"}
        )
        url = created.headers["location"]
        done = _wait_done(client, url, headers)
        job_id = done["id"]
        finished = datetime.fromisoformat(done["finished_at"].replace("Z", "+00:00"))
        assert done["result_until"] == format_instant(finished + timedelta(days=31))
        result = rt.job_files.result_path(job_id)

        clock.advance(days=30)
        assert resume_and_expire(rt) == []
        assert client.get(url + "/result", headers=headers).status_code == 200

        clock.advance(days=2)  # past the 31 days: no longer offered, even before a sweep deletes it
        late = client.get(url, headers=headers).json()
        assert late["links"]["result"] is None and late["counts"] == done["counts"]
        gone = client.get(url + "/result", headers=headers)
        assert gone.status_code == 410 and gone.headers["content-type"] == "application/problem+json"
        assert "kept 31 days" in gone.json()["detail"]
        assert result.is_file()

        assert remove_expired_results(rt) == [job_id]  # a worker's sweep
        assert not result.exists() and not result.parent.exists()
        assert remove_expired_results(rt) == []
        after = client.get(url, headers=headers).json()
        assert after["status"] == "done" and after["snapshots"] == done["snapshots"]
        assert after["result_until"] == done["result_until"]
        assert after["result_removed_at"] == format_instant(clock.now())
        assert client.get(url + "/result", headers=headers).status_code == 410


def resume_and_expire(rt) -> list[str]:
    return remove_expired_results(rt) + resume_scrub_jobs(rt)


def test_a_run_beats_while_it_makes_no_progress_and_stops_beating_when_done(server, clock, monkeypatch):
    """Loading a big brand's facts or the final fsync can outlast STALLED_AFTER without a chunk's progress:
    the heartbeat thread keeps the job from reading as dead meanwhile."""
    base, app = server
    rt = app.state.runtime
    headers = _brand_with_key(rt, "acme")
    job_id = _submit_to_a_dying_worker(base, app, headers)
    monkeypatch.setattr(scrub_jobs, "HEARTBEAT_EVERY", 0.02)
    real_scrub = scrub_jobs.scrub_file
    beats: list[object] = []

    def slow_start(rt_, request, *, progress):
        started = clock.now()
        for _ in range(3):  # no progress for 3 x 2 minutes, a beat each time
            clock.advance(minutes=2)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                with rt.uow() as uow:
                    job = uow.scrub_jobs.get(job_id)
                if job.heartbeat_at is not None and job.heartbeat_at > started:
                    break
                time.sleep(0.01)
            beats.append(job.heartbeat_at)
            started = clock.now()
            assert not job.stalled(clock.now())
            assert resume_scrub_jobs(rt) == []  # alive: not queued again
        return real_scrub(rt_, request, progress=progress)

    monkeypatch.setattr(scrub_jobs, "scrub_file", slow_start)
    run_scrub_job(rt, job_id)
    with rt.uow() as uow:
        job = uow.scrub_jobs.get(job_id)
    assert job.status == JobStatus.DONE and job.attempts == 1 and len(set(beats)) == 3
