"""A server worker's background work: jobs run one at a time, a key is queued once, sweeps keep going."""

from __future__ import annotations

import threading

from dialgate.api.jobs import BackgroundJobs, Sweeper


def test_work_with_a_key_already_waiting_is_not_queued_twice():
    jobs = BackgroundJobs()
    gate = threading.Event()
    ran: list[str] = []
    jobs.submit("first", gate.wait)  # keeps the thread busy: what follows waits in the queue
    jobs.submit("job-a", lambda: ran.append("a"))
    jobs.submit("job-a", lambda: ran.append("a again"))  # a sweep finding the job still queued
    jobs.submit("job-b", lambda: ran.append("b"))
    gate.set()
    jobs.wait()
    assert ran == ["a", "b"]
    jobs.submit("job-a", lambda: ran.append("a later"))  # once run, the key may be queued again
    jobs.wait()
    assert ran == ["a", "b", "a later"]


def test_a_failing_job_does_not_stop_the_ones_after_it():
    jobs = BackgroundJobs()
    ran: list[str] = []
    jobs.submit("bad", lambda: 1 / 0)  # type: ignore[arg-type, return-value]
    jobs.submit("good", lambda: ran.append("good"))
    jobs.wait()
    assert ran == ["good"]


def test_a_sweep_that_fails_is_tried_again_at_the_next_turn():
    turns: list[int] = []
    third = threading.Event()

    def sweep() -> None:
        turns.append(len(turns))
        if len(turns) >= 3:
            third.set()
        if len(turns) == 1:
            raise ConnectionError("the store is down")

    sweeper = Sweeper(sweep, every=0.01)
    sweeper.start()
    assert third.wait(5)
    sweeper.stop()
    count = len(turns)
    third.clear()
    assert not third.wait(0.05) and len(turns) == count  # stopped: no more turns
