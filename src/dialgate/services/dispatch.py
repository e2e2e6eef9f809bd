"""The webhook dispatcher: delivers each brand's change feed to every vendor's webhook.

- One active dispatcher at a time, across workers and processes: it works only while it holds the lease
  (services/ports.Lease). Others wait and take over when the holder dies.
- It wakes within milliseconds of a commit (PostgreSQL NOTIFY) or after a short poll (SQLite).
- One task per vendor, each with its own queue position (the vendor's cursor): a slow or failing vendor
  only delays itself. Deliveries share a concurrency limit and each has a hard timeout.
- At least once: the cursor moves only after a 2xx, in the store. A dispatcher killed mid-delivery
  leaves the cursor where it was; its successor sends the same events again (same event ids).
- Failures retry with exponential backoff and full jitter; after `max_failures` in a row the webhook is
  dead-lettered and waits for `dialgate webhook resume` (its events stay in the feed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson

from dialgate.domain.feed import FeedEvent
from dialgate.domain.webhooks import (
    DeliveryAttempt,
    DeliveryOutcome,
    EndpointStatus,
    WebhookEndpoint,
    backoff_seconds,
)
from dialgate.services.ports import HttpAnswer, Lease, Wakeup, WebhookSender
from dialgate.services.runtime import Runtime
from dialgate.webhook_signature import DELIVERY_HEADER, signed_headers

log = logging.getLogger("dialgate.webhooks")
Key = tuple[str, str]  # (brand, vendor)


@dataclass(frozen=True)
class DispatchConfig:
    timeout: float = 5.0
    max_failures: int = 10
    backoff_base: float = 1.0
    backoff_cap: float = 300.0
    batch_size: int = 50
    concurrency: int = 64
    idle_wait: float = 1.0  # longest sleep between looks at the store when nothing wakes us
    lease_check: float = 1.0  # how often the holder renews (and checks) its lease
    lease_retry: float = 1.0  # how often a standby tries to take the lease


class Dispatcher:
    def __init__(
        self,
        rt: Runtime,
        *,
        sender: WebhookSender,
        lease: Lease,
        wakeup: Wakeup,
        config: DispatchConfig | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.rt, self.sender, self.lease, self.wakeup = rt, sender, lease, wakeup
        self.config = config or DispatchConfig()
        self.rng = rng or random.Random()
        self._workers: dict[Key, _VendorWorker] = {}
        self._slots = asyncio.Semaphore(self.config.concurrency)
        self.is_leader = False

    async def run(self, stop: asyncio.Event | None = None, *, until_idle: bool = False) -> None:
        """Dispatch until `stop` is set; with `until_idle`, return once nothing is left to send now
        (every webhook caught up, dead, or waiting for a retry)."""
        stop = stop or asyncio.Event()
        checked = -1e9
        try:
            while not stop.is_set():
                if not self.is_leader or time.monotonic() - checked >= self.config.lease_check:
                    self.is_leader = await asyncio.to_thread(self.lease.acquire)
                    checked = time.monotonic()
                    if not self.is_leader:
                        await self._stop_workers()
                        await _sleep_until(stop, self.config.lease_retry)
                        continue
                endpoints, heads = await asyncio.to_thread(self._snapshot)
                pending = self._reconcile(endpoints, heads)
                if until_idle and not pending and not any(w.sending for w in self._workers.values()):
                    return
                await _first_of(stop, self.wakeup.wait(self.config.idle_wait))
        finally:
            await self._stop_workers()
            if self.is_leader:
                await asyncio.to_thread(self.lease.release)
                self.is_leader = False

    async def aclose(self) -> None:
        await self.sender.aclose()
        self.wakeup.close()

    def _snapshot(self) -> tuple[list[WebhookEndpoint], dict[str, int]]:
        with self.rt.uow() as uow:
            return uow.webhooks.endpoints(), uow.feed.heads()

    def _reconcile(self, endpoints: list[WebhookEndpoint], heads: dict[str, int]) -> int:
        """Start, kick or stop the per-vendor tasks; returns how many vendors have events to send now."""
        active = {(e.brand, e.vendor): e for e in endpoints if e.status is EndpointStatus.ACTIVE}
        for key in [k for k in self._workers if k not in active]:
            self._workers.pop(key).cancel()
        pending = 0
        for key, endpoint in active.items():
            if endpoint.cursor >= heads.get(endpoint.brand, 0):
                continue
            worker = self._workers.get(key)
            if worker is None:
                worker = self._workers[key] = _VendorWorker(self, key)
            worker.kick()
            pending += endpoint.failures == 0
        return pending

    async def _stop_workers(self) -> None:
        workers, self._workers = list(self._workers.values()), {}
        for w in workers:
            w.cancel()
        for w in workers:
            with contextlib.suppress(asyncio.CancelledError):
                await w.task

    # --- one delivery ---------------------------------------------------------------------------------

    async def deliver(self, endpoint: WebhookEndpoint, events: list[FeedEvent]) -> bool:
        body = orjson.dumps({"events": [e.envelope() for e in events]})
        delivery_id = "dlv_" + self.rt.ids.new_id()
        headers = signed_headers(endpoint.secret, body, int(self.rt.clock.now().timestamp()))
        headers |= {"Content-Type": "application/json", DELIVERY_HEADER: delivery_id}
        async with self._slots:
            answer = await self.sender.post(endpoint.url, body, headers, self.config.timeout)
        ok = answer.status is not None and 200 <= answer.status < 300
        await asyncio.to_thread(self._record, endpoint, events, delivery_id, answer, ok)
        return ok

    def _record(
        self,
        endpoint: WebhookEndpoint,
        events: list[FeedEvent],
        delivery_id: str,
        answer: HttpAnswer,
        ok: bool,
    ) -> None:
        now = self.rt.clock.now()
        failures = 0 if ok else endpoint.failures + 1
        dead = not ok and failures >= self.config.max_failures
        outcome = (
            DeliveryOutcome.DELIVERED if ok else DeliveryOutcome.DEAD if dead else DeliveryOutcome.FAILED
        )
        attempt = DeliveryAttempt(
            brand=endpoint.brand,
            vendor=endpoint.vendor,
            delivery_id=delivery_id,
            first_seq=events[0].seq,
            last_seq=events[-1].seq,
            events=len(events),
            attempt=endpoint.failures + 1,
            at=now,
            outcome=outcome,
            status_code=answer.status,
            error=answer.error,
            duration_ms=answer.duration_ms,
        )
        with self.rt.uow(write=True) as uow:
            uow.webhooks.log(attempt)
            if ok:
                uow.webhooks.acknowledge(endpoint.brand, endpoint.vendor, events[-1].seq, now)
            else:
                delay = backoff_seconds(
                    failures,
                    base=self.config.backoff_base,
                    cap=self.config.backoff_cap,
                    draw=self.rng.random(),
                )
                uow.webhooks.record_failure(
                    endpoint.brand,
                    endpoint.vendor,
                    failures=failures,
                    next_attempt_at=None if dead else now + timedelta(seconds=delay),
                    error=answer.error or "no answer",
                    at=now,
                    dead=dead,
                )
            uow.commit()
        if not ok:
            log.warning(
                "webhook_delivery_failed brand=%s vendor=%s cursor=%d attempt=%d dead=%s error=%s",
                endpoint.brand,
                endpoint.vendor,
                events[0].seq,
                attempt.attempt,
                dead,
                answer.error,
            )


class _VendorWorker:
    """Sends one vendor's events in order. Kicked by the dispatcher whenever its brand's feed moved."""

    def __init__(self, dispatcher: Dispatcher, key: Key) -> None:
        self.d, self.key = dispatcher, key
        self.busy = False  # draining (perhaps asleep until a retry)
        self.sending = False  # a delivery is in flight
        self._kicked = asyncio.Event()
        self.task = asyncio.create_task(self._loop(), name=f"webhook:{key[0]}/{key[1]}")

    def kick(self) -> None:
        self._kicked.set()

    def cancel(self) -> None:
        self.task.cancel()

    async def _loop(self) -> None:
        while True:
            await self._kicked.wait()
            self._kicked.clear()  # a kick during the drain below runs it again
            self.busy = True
            try:
                await self._drain()
            except asyncio.CancelledError:
                raise
            except Exception:  # a store hiccup must not kill the vendor's task; the next kick retries
                log.exception("webhook_worker_error brand=%s vendor=%s", *self.key)
                await asyncio.sleep(1.0)
            finally:
                self.busy = False

    async def _drain(self) -> None:
        brand, vendor = self.key
        while True:
            endpoint, events = await asyncio.to_thread(self._next, brand, vendor)
            if endpoint is None or endpoint.status is not EndpointStatus.ACTIVE:
                return
            if endpoint.next_attempt_at is not None:  # a retry is scheduled (perhaps by a predecessor)
                wait = (endpoint.next_attempt_at - self.d.rt.clock.now()).total_seconds()
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue
            if not events:
                return
            self.sending = True
            try:
                await self.d.deliver(endpoint, events)
            finally:
                self.sending = False
            # the loop re-reads the endpoint: its cursor moved, or its next_attempt_at paces the retry

    def _next(self, brand: str, vendor: str) -> tuple[WebhookEndpoint | None, list[FeedEvent]]:
        with self.d.rt.uow() as uow:
            endpoint = uow.webhooks.get(brand, vendor)
            if endpoint is None:
                return None, []
            return endpoint, uow.feed.after(brand, endpoint.cursor, self.d.config.batch_size)


async def _sleep_until(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def _first_of(stop: asyncio.Event, waiting: Coroutine[Any, Any, None]) -> None:
    """Wait for the wakeup, but return at once when asked to stop."""
    wake = asyncio.ensure_future(waiting)
    halt = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({wake, halt}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (wake, halt):
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


class BackgroundDispatcher:
    """Runs a dispatcher on its own thread and event loop, so request handling never delays it
    (used by `dialgate serve`: every worker starts one, and the lease lets exactly one of them work)."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="dialgate-dispatcher", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(5.0)

    def _main(self) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        self._ready.set()
        try:
            while not self._stop.is_set():
                try:
                    await self.dispatcher.run(self._stop)
                except Exception:  # e.g. the store is down: keep trying, the outbox keeps the events
                    log.exception("webhook_dispatcher_crashed; restarting in 1 s")
                    await _sleep_until(self._stop, 1.0)
        finally:
            await self.dispatcher.aclose()

    def stop(self, timeout: float = 10.0) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
