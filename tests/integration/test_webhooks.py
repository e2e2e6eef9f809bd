"""Vendor webhooks end to end: a real dispatcher, a real HTTP receiver on loopback, SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest

from dialgate.bootstrap import Container, build, build_dispatcher
from dialgate.config import Settings, WebhookSettings
from dialgate.domain.webhooks import DeliveryOutcome
from dialgate.services import brands, feed, requests, vendors, webhooks
from dialgate.services.dispatch import BackgroundDispatcher
from dialgate.services.requests import RequestInput
from tests.support.receiver import Receiver

FAST = {
    "timeout_seconds": 0.5,
    "max_failures": 3,
    "backoff_base_seconds": 0.02,
    "backoff_cap_seconds": 0.1,
    "poll_interval_seconds": 0.02,
    "fallback_poll_seconds": 0.2,
    "lease_seconds": 1.0,
    "allowed_networks": ["127.0.0.1"],  # the receivers listen on loopback
}
NUMBERS = [f"+5511900000{i:03d}" for i in range(100, 200)]


@pytest.fixture
def live(settings: Settings) -> Iterator[Container]:
    """A store with the system clock (signatures carry real timestamps) and fast retry settings."""
    built = build(settings.model_copy(update={"webhooks": WebhookSettings(**FAST)}))
    rt = built.runtime
    brands.add_brand(rt, "enercom")
    for vendor in ("callco", "slowco", "goneco"):
        vendors.apply_vendor(rt, brand="enercom", vendor_id=vendor)
    yield built
    built.close()


@contextmanager
def dispatching(container: Container) -> Iterator[BackgroundDispatcher]:
    background = BackgroundDispatcher(build_dispatcher(container))
    background.start()
    try:
        yield background
    finally:
        background.stop()


def opt_outs(rt, count: int, start: int = 0) -> None:
    for number in NUMBERS[start : start + count]:
        requests.open_request(rt, RequestInput(brand="enercom", kind="opt-out", number=number, via="web"))


def hook(
    rt, receiver: Receiver, vendor: str = "callco", path: str = "/hook", after: int | None = None
) -> str:
    _, secret = webhooks.set_webhook(rt, "enercom", vendor, receiver.url(path), after=after)
    receiver.secret = secret
    return secret


def status(rt, vendor: str = "callco"):
    return webhooks.vendor_status(rt, "enercom", vendor)[0]


def test_each_event_reaches_the_vendor_signed_once_and_in_order(live):
    rt = live.runtime
    with Receiver() as receiver, dispatching(live):
        hook(rt, receiver)
        opt_outs(rt, 5)
        assert receiver.wait_for(lambda: len(receiver.event_ids()) >= 15)
        assert receiver.wait_for(lambda: status(rt).lag_events == 0)
    delivered = [e for d in receiver.accepted() for e in d.events]
    assert [e["cursor"] for e in delivered] == list(range(1, 16))
    assert all(d.signature_ok for d in receiver.deliveries)
    assert {e["type"] for e in delivered} == {"consent.recorded", "request.opened", "request.closed"}
    revoked = [e for e in delivered if e["type"] == "consent.recorded"]
    assert [e["number"] for e in revoked] == NUMBERS[:5]
    assert all(e["data"]["status"] == "revoked" and e["data"]["purpose"] == "all" for e in revoked)
    s = status(rt)
    assert (s.acknowledged, s.head, s.lag_events, s.failures) == (15, 15, 0, 0)
    log = webhooks.delivery_log(rt, "enercom", "callco")
    assert {a.outcome for a in log} == {DeliveryOutcome.DELIVERED}


def test_a_vendor_answering_500_is_retried_until_it_accepts(live):
    rt = live.runtime
    with Receiver() as receiver, dispatching(live):
        receiver.answer("/flaky", 500, 503, 200)
        hook(rt, receiver, path="/flaky")
        opt_outs(rt, 1)
        assert receiver.wait_for(lambda: status(rt).lag_events == 0)
    assert [d.status for d in receiver.deliveries] == [500, 503, 200]
    log = list(reversed(webhooks.delivery_log(rt, "enercom", "callco")))
    assert [(a.attempt, a.outcome, a.status_code) for a in log] == [
        (1, DeliveryOutcome.FAILED, 500),
        (2, DeliveryOutcome.FAILED, 503),
        (3, DeliveryOutcome.DELIVERED, 200),
    ]
    assert {e["id"] for d in receiver.deliveries for e in d.events} == set(receiver.event_ids())


def test_after_too_many_failures_the_webhook_is_dead_lettered_and_resume_loses_nothing(live):
    rt = live.runtime
    with Receiver() as receiver, dispatching(live):
        receiver.answer("/down", 500)
        hook(rt, receiver, path="/down")
        opt_outs(rt, 2)
        assert receiver.wait_for(lambda: status(rt).status == "dead")
        s = status(rt)
        assert (s.acknowledged, s.lag_events, s.failures, s.last_error) == (0, 6, 3, "HTTP 500")
        outcomes = [a.outcome for a in reversed(webhooks.delivery_log(rt, "enercom", "callco"))]
        assert outcomes == [DeliveryOutcome.FAILED, DeliveryOutcome.FAILED, DeliveryOutcome.DEAD]
        opt_outs(rt, 1, start=2)  # the feed keeps growing while the webhook is dead
        receiver.answer("/down", 200)
        webhooks.resume_webhook(rt, "enercom", "callco")
        assert receiver.wait_for(lambda: len(set(receiver.event_ids())) == 9)
        assert receiver.wait_for(lambda: status(rt).lag_events == 0)
    assert [e["cursor"] for e in (e for d in receiver.accepted() for e in d.events)] == list(range(1, 10))


def test_vendors_that_never_answer_or_refuse_connections_delay_nobody_else(live):
    rt = live.runtime
    with Receiver() as receiver, dispatching(live):
        receiver.answer("/hangs", 200, delay=30)  # far beyond the 0.5 s timeout
        hook(rt, receiver, vendor="slowco", path="/hangs")
        webhooks.set_webhook(rt, "enercom", "goneco", "http://127.0.0.1:1/closed")  # nothing listens
        hook(rt, receiver, vendor="callco", path="/fast")
        opt_outs(rt, 3)  # every request is stored and answered at once
        assert receiver.wait_for(lambda: len(receiver.event_ids("/fast")) == 9)
        assert receiver.wait_for(lambda: status(rt, "slowco").failures >= 1)
        assert receiver.wait_for(lambda: status(rt, "goneco").failures >= 1)
        assert receiver.accepted("/hangs") == []
    slow = status(rt, "slowco")
    assert slow.acknowledged == 0 and slow.lag_events == 9 and "no answer" in (slow.last_error or "")
    assert "ConnectError" in (status(rt, "goneco").last_error or "")
    assert status(rt, "callco").lag_events == 0
    assert len(requests.list_requests(rt, brand="enercom")) == 3


def test_setting_a_webhook_again_with_a_cursor_replays_from_there(live):
    rt = live.runtime
    with Receiver() as receiver, dispatching(live):
        hook(rt, receiver)
        opt_outs(rt, 1)
        assert receiver.wait_for(lambda: status(rt).lag_events == 0)
        hook(rt, receiver, after=0)  # the vendor lost its data: send everything again
        assert receiver.wait_for(lambda: len(receiver.event_ids()) == 6)
        assert receiver.wait_for(lambda: status(rt).lag_events == 0)
    assert Counter(receiver.event_ids()) == Counter({i: 2 for i in receiver.event_ids()[:3]})


def test_two_dispatchers_on_one_store_deliver_each_event_once(live, settings):
    rt = live.runtime
    other = build(settings.model_copy(update={"webhooks": WebhookSettings(**FAST)}))
    try:
        with Receiver() as receiver, dispatching(live), dispatching(other):
            hook(rt, receiver)
            opt_outs(rt, 10)
            assert receiver.wait_for(lambda: len(receiver.event_ids()) >= 30)
            assert receiver.wait_for(lambda: status(rt).lag_events == 0)
    finally:
        other.close()
    ids = receiver.event_ids()
    assert len(ids) == 30 and len(set(ids)) == 30


def test_a_dispatcher_killed_mid_delivery_is_replaced_and_nothing_is_lost(live, settings):
    rt = live.runtime
    env = os.environ | {
        "DIALGATE_DATABASE_URL": settings.resolved_database_url,
        "DIALGATE_DATA_DIR": str(settings.data_dir),
        **{f"DIALGATE_WEBHOOKS__{k.upper()}": json.dumps(v) for k, v in FAST.items()},
    }
    command = [sys.executable, "-m", "dialgate", "events", "dispatch"]
    stuck = threading.Event()
    with Receiver() as receiver:
        receiver.answer("/hook", 200, hold=stuck)  # the first delivery hangs until we let it go
        hook(rt, receiver)
        opt_outs(rt, 20)  # 60 events: two batches of at most 50
        first = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
        try:
            assert receiver.wait_for(lambda: receiver.arrivals >= 1, timeout=30)
        finally:
            first.kill()  # mid-delivery: the vendor has the body, dialgate never saw the 2xx
            first.wait(10)
        stuck.set()
        assert status(rt).acknowledged == 0
        second = subprocess.run([*command, "--once"], env=env, timeout=120, capture_output=True, text=True)
        assert second.returncode == 0, second.stderr
        ids = receiver.event_ids()
    expected = {e.id for e in feed.events_after(rt, "enercom", limit=100).events}
    assert set(ids) == expected and len(expected) == 60
    duplicated = [i for i, n in Counter(ids).items() if n > 1]
    assert duplicated  # at least once: the interrupted batch came again, with the same event ids
    s = status(rt)
    assert (s.acknowledged, s.lag_events) == (60, 0)


def test_a_new_webhook_starts_from_now_unless_asked_to_replay(live):
    rt = live.runtime
    opt_outs(rt, 1)
    endpoint, _ = webhooks.set_webhook(rt, "enercom", "callco", "http://127.0.0.1:9/hook")
    assert endpoint.cursor == 3
    endpoint, _ = webhooks.set_webhook(rt, "enercom", "slowco", "http://127.0.0.1:9/hook", after=0)
    assert endpoint.cursor == 0
    assert status(rt, "slowco").lag_events == 3
    assert status(rt, "slowco").lag_seconds is not None


def test_leases_admit_one_holder_and_pass_on_when_it_goes(live, settings):
    from dialgate.adapters.db.lease import PgAdvisoryLease, RowLease

    other = build(settings)
    try:
        if live.engine.dialect.name == "postgresql":
            a, b = PgAdvisoryLease(live.engine, "job"), PgAdvisoryLease(other.engine, "job")
        else:
            a = RowLease(live.engine, "job", "a", timedelta(seconds=30))
            b = RowLease(other.engine, "job", "b", timedelta(seconds=30))
        assert a.acquire() and a.acquire()
        assert not b.acquire()
        a.release()
        assert b.acquire() and not a.acquire()
        b.release()
    finally:
        other.close()


def test_an_expired_row_lease_can_be_taken_over(live):
    from dialgate.adapters.db.lease import RowLease

    a = RowLease(live.engine, "job", "a", timedelta(seconds=-1))  # expired the moment it is taken
    b = RowLease(live.engine, "job", "b", timedelta(seconds=30))
    assert a.acquire() and b.acquire() and not a.acquire()
