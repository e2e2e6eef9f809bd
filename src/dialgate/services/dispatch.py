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
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
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
from dialgate.services.ports import Lease, Wakeup, WebhookSender
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
        lease_changed = asyncio.Event()
        self.is_leader = await asyncio.to_thread(self.lease.acquire)
        keeper = asyncio.create_task(self._keep_lease(stop, lease_changed))
        try:
            while not stop.is_set():
                if not self.is_leader:
                    await self._stop_workers()
                    lease_changed.clear()
                    await _first_of(stop, lease_changed.wait())
                    continue
                endpoints, heads = await asyncio.to_thread(self._snapshot)
                pending = self._reconcile(endpoints, heads)
                if until_idle and not pending and not any(w.sending for w in self._workers.values()):
                    return
                await _first_of(stop, self.wakeup.wait(self.config.idle_wait))
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            await self._stop_workers()
            if self.is_leader:
                await asyncio.to_thread(self.lease.release)
                self.is_leader = False

    async def _keep_lease(self, stop: asyncio.Event, changed: asyncio.Event) -> None:
        """Renew (or try to take) the lease on its own schedule: a renewal waiting for the store's write
        lock never holds up deliveries."""
        while not stop.is_set():
            await _sleep_until(stop, self.config.lease_check if self.is_leader else self.config.lease_retry)
            try:
                leader = await asyncio.to_thread(self.lease.acquire)
            except Exception:
                log.exception("webhook_lease_error")
                leader = False
            if leader != self.is_leader:
                log.info("webhook_dispatcher_%s", "leading" if leader else "standing_by")
                self.is_leader = leader
                changed.set()

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
            await w.closed()

    # --- one delivery ---------------------------------------------------------------------------------

    async def post(
        self, endpoint: WebhookEndpoint, events: list[FeedEvent], attempt: int
    ) -> tuple[bool, DeliveryAttempt]:
        """Send one signed batch; returns whether the vendor accepted it, and the attempt for the log."""
        body = orjson.dumps({"events": [e.envelope() for e in events]})
        delivery_id = "dlv_" + self.rt.ids.new_id()
        headers = signed_headers(endpoint.secret, body, int(self.rt.clock.now().timestamp()))
        headers |= {"Content-Type": "application/json", DELIVERY_HEADER: delivery_id}
        async with self._slots:
            answer = await self.sender.post(endpoint.url, body, headers, self.config.timeout)
        ok = answer.status is not None and 200 <= answer.status < 300
        dead = not ok and attempt >= self.config.max_failures
        return ok, DeliveryAttempt(
            brand=endpoint.brand,
            vendor=endpoint.vendor,
            delivery_id=delivery_id,
            first_seq=events[0].seq,
            last_seq=events[-1].seq,
            events=len(events),
            attempt=attempt,
            at=self.rt.clock.now(),
            outcome=DeliveryOutcome.DELIVERED
            if ok
            else DeliveryOutcome.DEAD
            if dead
            else DeliveryOutcome.FAILED,
            status_code=answer.status,
            error=answer.error,
            duration_ms=answer.duration_ms,
        )

    def persist_acks(
        self, key: Key, cursor: int, version: datetime | None, attempts: list[DeliveryAttempt]
    ) -> None:
        with self.rt.uow(write=True) as uow:
            for attempt in attempts:
                uow.webhooks.log(attempt)
            uow.webhooks.acknowledge(key[0], key[1], cursor, self.rt.clock.now(), version)
            uow.commit()

    def persist_failure(self, attempt: DeliveryAttempt) -> None:
        dead = attempt.outcome is DeliveryOutcome.DEAD
        delay = backoff_seconds(
            attempt.attempt,
            base=self.config.backoff_base,
            cap=self.config.backoff_cap,
            draw=self.rng.random(),
        )
        with self.rt.uow(write=True) as uow:
            uow.webhooks.log(attempt)
            uow.webhooks.record_failure(
                attempt.brand,
                attempt.vendor,
                failures=attempt.attempt,
                next_attempt_at=None if dead else attempt.at + timedelta(seconds=delay),
                error=attempt.error or "no answer",
                at=attempt.at,
                dead=dead,
            )
            uow.commit()
        log.warning(
            "webhook_delivery_failed brand=%s vendor=%s cursor=%d attempt=%d dead=%s error=%s",
            attempt.brand,
            attempt.vendor,
            attempt.first_seq,
            attempt.attempt,
            dead,
            attempt.error,
        )


class _VendorWorker:
    """Sends one vendor's events in order. Kicked by the dispatcher whenever its brand's feed moved.

    Acknowledgements are written behind the deliveries: after a 2xx the next batch goes out at once
    while the cursor is stored (coalesced) in the background. The stored cursor therefore never runs
    ahead of what the vendor accepted; it may lag, and a crash then means those events come again.
    """

    def __init__(self, dispatcher: Dispatcher, key: Key) -> None:
        self.d, self.key = dispatcher, key
        self.busy = False  # draining (perhaps asleep until a retry)
        self.sending = False  # a delivery is in flight
        self._kicked = asyncio.Event()
        self._cursor: int | None = None  # accepted by the vendor (stored or about to be)
        self._based_on: datetime | None = None  # the endpoint version the cursor above belongs to
        self._stored = 0  # the cursor as last written to the store
        self._unlogged: list[DeliveryAttempt] = []
        self._writer: asyncio.Task[None] | None = None
        self.task = asyncio.create_task(self._loop(), name=f"webhook:{key[0]}/{key[1]}")

    def kick(self) -> None:
        self._kicked.set()

    def cancel(self) -> None:
        self.task.cancel()

    async def closed(self) -> None:
        """Wait for the task to end, then store what the vendor accepted (so a restart resends less)."""
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        with contextlib.suppress(Exception):
            if self._writer is not None:
                await asyncio.wait_for(self._writer, 5.0)
            await asyncio.wait_for(self._store_acks(), 5.0)

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
        while True:
            endpoint, cursor, events = await asyncio.to_thread(self._next, self._cursor, self._based_on)
            if endpoint is None or endpoint.status is not EndpointStatus.ACTIVE:
                return
            if endpoint.updated_at != self._based_on:
                # first look, or the webhook was set again (new URL, replay from a cursor): start there
                self._based_on, self._stored = endpoint.updated_at, endpoint.cursor
            self._cursor = cursor
            if endpoint.next_attempt_at is not None:  # a retry is scheduled (perhaps by a predecessor)
                wait = (endpoint.next_attempt_at - self.d.rt.clock.now()).total_seconds()
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue
            if not events:
                return
            self.sending = True
            try:
                ok, attempt = await self.d.post(endpoint, events, endpoint.failures + 1)
            finally:
                self.sending = False
            if ok:
                self._cursor = events[-1].seq
                self._unlogged.append(attempt)
                if endpoint.failures:  # clear the failure state before anything else
                    await self._store_acks()
                elif self._writer is None or self._writer.done():
                    self._writer = asyncio.create_task(self._store_acks())
            else:
                await self._store_acks()
                await asyncio.to_thread(self.d.persist_failure, attempt)
            # the loop re-reads the endpoint: its next_attempt_at paces a retry

    def _next(
        self, known: int | None, version: datetime | None
    ) -> tuple[WebhookEndpoint | None, int, list[FeedEvent]]:
        """The endpoint, the cursor to send after, and the next batch (runs on a worker thread: it reads
        the worker's state only through its arguments)."""
        brand, vendor = self.key
        with self.d.rt.uow() as uow:
            endpoint = uow.webhooks.get(brand, vendor)
            if endpoint is None:
                return None, 0, []
            same = known is not None and endpoint.updated_at == version
            cursor = max(known, endpoint.cursor) if same and known is not None else endpoint.cursor
            return endpoint, cursor, uow.feed.after(brand, cursor, self.d.config.batch_size)

    async def _store_acks(self) -> None:
        while self._cursor is not None and (self._unlogged or self._cursor > self._stored):
            cursor, version = self._cursor, self._based_on
            attempts, self._unlogged = self._unlogged, []
            try:
                await asyncio.to_thread(self.d.persist_acks, self.key, cursor, version, attempts)
            except Exception:
                self._unlogged[:0] = attempts  # keep them for the next try
                raise
            self._stored = max(self._stored, cursor)


async def _sleep_until(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def _first_of(stop: asyncio.Event, waiting: Coroutine[Any, Any, object]) -> None:
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
