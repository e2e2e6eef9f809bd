"""Roaming status for the numbers a rule asks about: cached, shared, bounded, and never late.

The Polish rule reads a RoamingStatus per number; this service finds it. A lookup goes through:

    memory (this process) -> the store's cache (every process, every run) -> the provider

and a provider lookup is single-flight (concurrent askers of one number share one request), bounded in
concurrency and rate, timed out, retried with backoff and jitter when its error says so, and guarded by
a circuit breaker. Nothing raises to the caller: a failure, an open breaker or a spent budget gives
RoamingState.UNKNOWN with the reason, and `fail_open` from the settings so the rule can say which way it
went.

All provider I/O runs on one event loop owned by the service, in a daemon thread: pooled connections,
single-flight state, the rate limiter and the breaker live there and need no locks. `resolve` may be
awaited from any loop, `resolve_sync` called from any thread (CLI, API thread pool, scrub).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import gc
import itertools
import logging
import random
import threading
from collections import deque
from collections.abc import Callable, Coroutine, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from dialgate.domain.hlr_errors import (
    HlrBudgetExceededError,
    HlrCircuitOpenError,
    HlrError,
    HlrRateLimitedError,
    HlrTimeoutError,
    HlrUnavailableError,
)
from dialgate.domain.roaming import (
    HlrResult,
    Roaming,
    RoamingState,
    RoamingStatus,
    needs_lookup,
    roaming_status,
)
from dialgate.services.ports import Clock, HlrCache, HlrProvider, RoamingMetrics

__all__ = [
    "BreakerState",
    "CircuitBreaker",
    "RateLimiter",
    "RoamingPolicy",
    "RoamingService",
    "needs_lookup",
]

log = logging.getLogger("dialgate.roaming")
Progress = Callable[[int, int], None]
T = TypeVar("T")
_SYNC_GRACE = 0.05  # seconds a sync caller waits past its budget for the answer to cross threads
_STORE_CHUNK = 10_000  # numbers per read from the store's cache (progress moves between chunks)
_BULK = 5_000  # reads at least this large pause the cyclic garbage collector (see _collector_paused)


@dataclass(frozen=True)
class RoamingPolicy:
    """How hard to push the provider and how long answers stay good (from config.HlrSettings)."""

    concurrency: int = 64
    rate_per_second: float = 0.0  # 0 = no limit
    timeout: float = 2.0
    retries: int = 2
    backoff: float = 0.05
    backoff_max: float = 2.0
    retry_after_max: float = 5.0
    breaker_failures: int = 5
    breaker_open_seconds: float = 30.0
    breaker_half_open_probes: int = 1
    cache_ttl: timedelta = timedelta(hours=1)
    memory_entries: int = 200_000
    check_budget: float = 0.3
    fail_open: bool = False


class BreakerState(StrEnum):
    CLOSED = "closed"
    HALF_OPEN = "half-open"
    OPEN = "open"


class CircuitBreaker:
    """Closed -> open after `failures` consecutive provider faults; open -> half-open after `open_seconds`;
    half-open lets `probes` trial lookups through: a success closes it, a fault opens it again."""

    def __init__(
        self,
        *,
        failures: int,
        open_seconds: float,
        probes: int = 1,
        now: Callable[[], float],
        on_change: Callable[[BreakerState], None] | None = None,
    ) -> None:
        self._threshold, self._open_seconds, self._probes = failures, open_seconds, probes
        self._now, self._on_change = now, on_change
        self._state = BreakerState.CLOSED
        self._consecutive = 0
        self._opened_at = 0.0
        self._probes_out = 0

    @property
    def state(self) -> BreakerState:
        if self._state is BreakerState.OPEN and self._now() >= self._opened_at + self._open_seconds:
            self._move(BreakerState.HALF_OPEN)
        return self._state

    @property
    def retry_in(self) -> float:
        """Seconds until an open breaker lets a trial through."""
        return max(0.0, self._opened_at + self._open_seconds - self._now())

    def allow(self) -> bool:
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.HALF_OPEN and self._probes_out < self._probes:
            self._probes_out += 1
            return True
        return False

    def success(self) -> None:
        self._probes_out = max(0, self._probes_out - 1)
        self._consecutive = 0
        if self._state is BreakerState.HALF_OPEN:
            self._move(BreakerState.CLOSED)

    def failure(self) -> None:
        self._probes_out = max(0, self._probes_out - 1)
        self._consecutive += 1
        if self._state is BreakerState.HALF_OPEN or (
            self._state is BreakerState.CLOSED and self._consecutive >= self._threshold
        ):
            self._opened_at = self._now()
            self._move(BreakerState.OPEN)

    def release(self) -> None:
        """A lookup that was let through ended without an answer either way (cancelled)."""
        self._probes_out = max(0, self._probes_out - 1)

    def _move(self, state: BreakerState) -> None:
        if state is not self._state:
            self._state = state
            if state is not BreakerState.HALF_OPEN:
                self._probes_out = 0
            if state is BreakerState.CLOSED:
                self._consecutive = 0
            if self._on_change is not None:
                self._on_change(state)


class RateLimiter:
    """At most `rate` starts per second with a small burst (GCRA), and a pause a 429 can impose."""

    def __init__(
        self,
        rate: float,
        *,
        burst: int | None = None,
        now: Callable[[], float],
        sleep: Callable[[float], Coroutine[Any, Any, None]] = asyncio.sleep,
    ) -> None:
        self._rate = rate
        self._interval = 1.0 / rate if rate > 0 else 0.0
        burst = burst if burst is not None else max(1, int(rate / 20))  # 50 ms worth of lookups
        self._tolerance = (burst - 1) * self._interval
        self._now, self._sleep = now, sleep
        self._tat = 0.0  # theoretical arrival time of the next start
        self._paused_until = 0.0

    def pause_until(self, moment: float) -> None:
        self._paused_until = max(self._paused_until, moment)

    async def acquire(self) -> None:
        now = self._now()
        if self._rate <= 0:
            allowed = self._paused_until
        else:
            tat = max(self._tat, now)
            allowed = max(tat - self._tolerance, self._paused_until)
            self._tat = max(tat, allowed) + self._interval
        if allowed > now:
            await self._sleep(allowed - now)


class NullRoamingMetrics:
    def lookup_finished(self, provider: str, seconds: float, error_kind: str | None) -> None:  # noqa: ARG002
        return None

    def lookup_failed_early(self, provider: str, error_kind: str) -> None:  # noqa: ARG002
        return None

    def cache_hits(self, layer: str, count: int) -> None:  # noqa: ARG002
        return None

    def cache_misses(self, count: int) -> None:  # noqa: ARG002
        return None

    def breaker_changed(self, provider: str, state: str) -> None:  # noqa: ARG002
        return None


class UnconfiguredHlr:
    """The provider of a Runtime built without bootstrap: every lookup fails, so rules fail closed."""

    name = "none"

    async def lookup(self, number: str) -> HlrResult:  # noqa: ARG002
        raise HlrUnavailableError("no HLR provider is configured (dialgate.bootstrap wires one)")

    async def aclose(self) -> None:
        return None


class _UtcClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class _Progress:
    """Calls the caller's progress callback as lookups finish, at most ~500 times per batch."""

    def __init__(self, callback: Progress | None, total: int) -> None:
        self._callback, self.total, self.done = callback, total, 0
        self._step = max(1, total // 500)
        self._next = self._step
        self._open = True

    def advance(self, count: int = 1) -> None:
        if not self._open or count <= 0:
            return
        self.done += count
        if self._callback is not None and (self.done >= self._next or self.done >= self.total):
            self._next = self.done + self._step
            self._callback(min(self.done, self.total), self.total)

    def on_done(self, _future: object) -> None:
        self.advance()

    def close(self) -> None:
        self._open = False


Outcome = HlrResult | HlrError


class RoamingService:
    """See the module docstring. Thread-safe; one per process (bootstrap builds it)."""

    def __init__(
        self,
        provider: HlrProvider,
        *,
        clock: Clock | None = None,
        policy: RoamingPolicy | None = None,
        cache: HlrCache | None = None,
        metrics: RoamingMetrics | None = None,
        loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None,
    ) -> None:
        self.provider = provider
        self.policy = policy or RoamingPolicy()
        self._clock = clock or _UtcClock()
        self._cache = cache
        self._metrics: RoamingMetrics = metrics or NullRoamingMetrics()
        self._loop_factory = loop_factory or asyncio.new_event_loop
        self._start_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        # Everything below is touched only on the service's loop.
        self._memory: dict[str, RoamingStatus] = {}  # what recent answers mean, by number
        self._inflight: dict[str, asyncio.Future[Outcome]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._unwritten: list[HlrResult] = []
        self._flush_task: asyncio.Task[None] | None = None
        self._semaphore: asyncio.Semaphore | None = None
        self._limiter: RateLimiter | None = None
        self._breaker: CircuitBreaker | None = None

    @property
    def name(self) -> str:
        return self.provider.name

    @property
    def breaker_state(self) -> BreakerState:
        return self._breaker.state if self._breaker is not None else BreakerState.CLOSED

    # ----------------------------------------------------------------------------------- public API

    async def resolve(
        self,
        numbers: Sequence[str],
        *,
        budget: float | None = None,
        progress: Progress | None = None,
    ) -> dict[str, RoamingStatus]:
        """The roaming status of each number (E.164 strings; duplicates answered once).

        budget: seconds for the whole call; what is not known by then is UNKNOWN (lookups still running
        go on in the background and fill the cache). None: no overall limit (a batch), each lookup still
        bounded by its timeout and retries. progress(done, total) is called on the service's thread.
        """
        loop = self._ensure_loop()
        work = self._resolve(list(numbers), budget, progress)
        if _running_loop() is loop:
            return await work
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, loop))

    def resolve_sync(
        self,
        numbers: Sequence[str],
        *,
        budget: float | None = None,
        progress: Progress | None = None,
    ) -> dict[str, RoamingStatus]:
        """`resolve` for synchronous callers (CLI, scrub, API handlers in the thread pool)."""
        loop = self._ensure_loop()
        if _running_loop() is loop:
            raise RuntimeError("resolve_sync called from the roaming service's own loop; await resolve()")
        wanted = list(numbers)
        future = asyncio.run_coroutine_threadsafe(self._resolve(wanted, budget, progress), loop)
        try:
            return future.result(None if budget is None else budget + _SYNC_GRACE)
        except concurrent.futures.TimeoutError:
            future.cancel()  # the loop was too busy to answer in time: never hang past the budget
            late = HlrBudgetExceededError(f"no answer within the {(budget or 0) * 1000:.0f} ms budget")
            return {n: self._unknown(late) for n in wanted}

    async def check(self, number: str, *, budget: float | None = None) -> RoamingStatus:
        """One number, within `budget` seconds (default: the policy's check budget, 300 ms)."""
        found = await self.resolve([number], budget=self._check_budget(budget))
        return found[number]

    def check_sync(self, number: str, *, budget: float | None = None) -> RoamingStatus:
        return self.resolve_sync([number], budget=self._check_budget(budget))[number]

    def close(self) -> None:
        """Write what is still unwritten to the store's cache, close connections, stop the loop."""
        with self._start_lock:
            loop, thread, self._closed = self._loop, self._thread, True
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=30)
        except Exception:
            log.exception("roaming.close_failed")
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)

    # ------------------------------------------------------------------------------ the loop thread

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._start_lock:
            if self._closed:
                raise RuntimeError("the roaming service is closed")
            if self._loop is None:
                loop = self._loop_factory()
                started = threading.Event()

                def run() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(started.set)
                    try:
                        loop.run_forever()
                    finally:
                        loop.close()

                thread = threading.Thread(target=run, name="dialgate-roaming", daemon=True)
                thread.start()
                started.wait()
                p = self.policy
                self._semaphore = asyncio.Semaphore(p.concurrency)
                self._limiter = RateLimiter(p.rate_per_second, now=loop.time)
                self._breaker = CircuitBreaker(
                    failures=p.breaker_failures,
                    open_seconds=p.breaker_open_seconds,
                    probes=p.breaker_half_open_probes,
                    now=loop.time,
                    on_change=self._breaker_moved,
                )
                self._metrics.breaker_changed(self.name, BreakerState.CLOSED.value)
                self._loop, self._thread = loop, thread
            return self._loop

    async def _shutdown(self) -> None:
        lookups = [t for t in self._tasks if t is not self._flush_task]
        for task in lookups:  # lookups nobody waits for any more; answers already in hand are written
            task.cancel()
        await asyncio.gather(*lookups, return_exceptions=True)
        await self._flush()
        await self.provider.aclose()

    def _spawn(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ---------------------------------------------------------------------------------- resolving

    async def _resolve(
        self, numbers: list[str], budget: float | None, progress: Progress | None
    ) -> dict[str, RoamingStatus]:
        loop = asyncio.get_running_loop()
        deadline = None if budget is None else loop.time() + budget
        wanted = list(dict.fromkeys(numbers))
        tracker = _Progress(progress, len(wanted))
        statuses: dict[str, RoamingStatus] = {}

        def answered(found: dict[str, RoamingStatus]) -> None:
            statuses.update(found)
            tracker.advance(len(found))

        remembered = self._from_memory(wanted)
        answered(remembered)
        missing = [n for n in wanted if n not in remembered]
        if missing:
            with _collector_paused(len(missing) >= _BULK):
                await self._from_store(missing, deadline, answered)
            missing = [n for n in missing if n not in statuses]
            self._metrics.cache_misses(len(missing))
        if missing:
            waiting = self._start_lookups(missing)
            await self._wait(waiting, deadline, tracker)
            spent = HlrBudgetExceededError(f"no answer within the {(budget or 0) * 1000:.0f} ms budget")
            for number, future in waiting.items():
                if future.done():
                    outcome = future.result()
                    statuses[number] = (
                        self._status(outcome) if isinstance(outcome, HlrResult) else self._unknown(outcome)
                    )
                else:
                    self._metrics.lookup_failed_early(self.name, spent.kind)
                    statuses[number] = self._unknown(spent)
        tracker.close()
        if budget is None:
            await self._flush()  # a batch's answers are in the store before it returns
        else:
            self._schedule_flush()
        return {n: statuses[n] for n in wanted}

    def _check_budget(self, budget: float | None) -> float:
        return self.policy.check_budget if budget is None else budget

    def _status(self, result: HlrResult) -> RoamingStatus:
        return roaming_status(result, fail_open=self.policy.fail_open)

    def _unknown(self, error: HlrError) -> RoamingStatus:
        return RoamingStatus(
            RoamingState.UNKNOWN, provider=self.name, error=error.describe(), fail_open=self.policy.fail_open
        )

    # ------------------------------------------------------------------------------------ caching

    def _fresh_since(self) -> datetime | None:
        ttl = self.policy.cache_ttl
        return None if ttl <= timedelta(0) else self._clock.now() - ttl

    def _from_memory(self, numbers: Iterable[str]) -> dict[str, RoamingStatus]:
        since = self._fresh_since()
        if since is None or not self._memory:
            return {}
        memory = self._memory
        found = {}
        for number in numbers:
            status = memory.get(number)
            if status is not None and status.looked_up_at is not None and status.looked_up_at >= since:
                found[number] = status
        self._metrics.cache_hits("memory", len(found))
        return found

    async def _from_store(
        self, numbers: list[str], deadline: float | None, answered: Callable[[dict[str, RoamingStatus]], None]
    ) -> None:
        """Read the store's cache in chunks, the next chunk's read overlapping this chunk's statuses."""
        since = self._fresh_since()
        cache = self._cache
        if since is None or cache is None:
            return
        loop = asyncio.get_running_loop()
        chunks = [numbers[i : i + _STORE_CHUNK] for i in range(0, len(numbers), _STORE_CHUNK)]
        hits = 0
        read = functools.partial(cache.get_statuses, fresh_since=since, fail_open=self.policy.fail_open)
        reading = loop.run_in_executor(None, read, chunks[0])
        for index in range(len(chunks)):
            try:
                if deadline is None:
                    found = await reading
                else:
                    found = await asyncio.wait_for(asyncio.shield(reading), max(0.0, deadline - loop.time()))
            except TimeoutError:
                break  # the store is slow: what is not found yet counts as a miss
            except Exception:
                log.warning("roaming.cache_read_failed", exc_info=True)
                break
            if index + 1 < len(chunks):
                reading = loop.run_in_executor(None, read, chunks[index + 1])
            self._keep_all_in_memory(found)
            answered(found)
            hits += len(found)
        self._metrics.cache_hits("store", hits)

    def _keep_in_memory(self, number: str, status: RoamingStatus) -> None:
        if self.policy.memory_entries > 0:
            self._memory.pop(number, None)
            self._memory[number] = status
            self._trim_memory()

    def _keep_all_in_memory(self, found: dict[str, RoamingStatus]) -> None:
        if self.policy.memory_entries > 0 and found:
            self._memory.update(found)
            self._trim_memory()

    def _trim_memory(self) -> None:
        limit, memory = self.policy.memory_entries, self._memory
        if len(memory) > limit:
            excess = len(memory) - limit + limit // 10  # drop the oldest, a tenth more than needed
            for stale in list(itertools.islice(memory, excess)):
                del memory[stale]

    def _remember(self, result: HlrResult) -> None:
        # Only answers that say where the number is are worth keeping: an absent phone may be back on
        # in minutes, and a repeat lookup is then the only way to know.
        if self._fresh_since() is None or result.roaming is Roaming.UNKNOWN:
            return
        self._keep_in_memory(result.number, self._status(result))
        if self._cache is not None:
            self._unwritten.append(result)
            self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._unwritten and (self._flush_task is None or self._flush_task.done()):
            self._flush_task = self._spawn(self._flush_soon())

    async def _flush_soon(self) -> None:
        await asyncio.sleep(0.05)  # gather a few answers per write
        await self._write_unwritten()

    async def _flush(self) -> None:
        if self._flush_task is not None and not self._flush_task.done():
            await asyncio.shield(self._flush_task)
        await self._write_unwritten()

    async def _write_unwritten(self) -> None:
        cache = self._cache
        loop = asyncio.get_running_loop()
        while cache is not None and self._unwritten:
            batch, self._unwritten = self._unwritten, []
            try:
                await loop.run_in_executor(None, cache.put_many, batch)
            except Exception:
                # The store's cache saves money and time; losing a write never fails a lookup.
                log.warning("roaming.cache_write_failed", exc_info=True)

    # ------------------------------------------------------------------------------------ lookups

    def _start_lookups(self, numbers: list[str]) -> dict[str, asyncio.Future[Outcome]]:
        loop = asyncio.get_running_loop()
        waiting: dict[str, asyncio.Future[Outcome]] = {}
        new: list[str] = []
        for number in numbers:
            future = self._inflight.get(number)
            if future is None:  # single-flight: join a lookup already under way
                future = self._inflight[number] = loop.create_future()
                new.append(number)
            waiting[number] = future
        if new:
            self._spawn(self._run_lookups(new))
        return waiting

    async def _wait(
        self, waiting: dict[str, asyncio.Future[Outcome]], deadline: float | None, tracker: _Progress
    ) -> None:
        loop = asyncio.get_running_loop()
        pending = [f for f in waiting.values() if not f.done()]
        tracker.advance(len(waiting) - len(pending))
        if not pending:
            return
        for future in pending:
            future.add_done_callback(tracker.on_done)
        timeout = None if deadline is None else max(0.0, deadline - loop.time())
        if timeout == 0.0:
            return
        await asyncio.wait(pending, timeout=timeout)

    async def _run_lookups(self, numbers: list[str]) -> None:
        queue = deque(numbers)

        async def worker() -> None:
            while queue:
                await self._settle(queue.popleft())

        try:
            await asyncio.gather(*(worker() for _ in range(min(self.policy.concurrency, len(queue)))))
        finally:
            closed = HlrUnavailableError("the roaming service closed before the lookup ended")
            for number in queue:  # only left over when cancelled (service closing)
                self._finish(number, closed)

    async def _settle(self, number: str) -> None:
        outcome: Outcome
        try:
            outcome = await self._fetch(number)
        except HlrError as exc:
            outcome = exc
        except asyncio.CancelledError:
            self._finish(number, HlrUnavailableError("the roaming service closed before the lookup ended"))
            raise
        if isinstance(outcome, HlrResult):
            self._remember(outcome)
        self._finish(number, outcome)

    def _finish(self, number: str, outcome: Outcome) -> None:
        future = self._inflight.pop(number, None)
        if future is not None and not future.done():
            future.set_result(outcome)

    async def _fetch(self, number: str) -> HlrResult:
        """Ask the provider, with retries; raises the last HlrError."""
        assert self._semaphore is not None and self._limiter is not None and self._breaker is not None
        loop = asyncio.get_running_loop()
        policy, breaker = self.policy, self._breaker
        attempt = 0
        while True:
            async with self._semaphore:
                if not breaker.allow():
                    self._metrics.lookup_failed_early(self.name, HlrCircuitOpenError.kind)
                    raise HlrCircuitOpenError(
                        f"{self.name} failed {policy.breaker_failures} times in a row; the circuit breaker "
                        f"lets a trial lookup through in {breaker.retry_in:.0f} s"
                    )
                started = loop.time()
                try:
                    await self._limiter.acquire()
                    started = loop.time()
                    async with asyncio.timeout(policy.timeout):
                        result = await self.provider.lookup(number)
                except HlrError as exc:
                    error: HlrError = exc
                except TimeoutError:
                    error = HlrTimeoutError(
                        f"{self.name} gave no answer within {policy.timeout * 1000:.0f} ms"
                    )
                except asyncio.CancelledError:
                    breaker.release()
                    raise
                except Exception as exc:  # a provider bug must not crash a batch
                    error = HlrError(f"{self.name} failed unexpectedly: {type(exc).__name__}: {exc}")
                else:
                    breaker.success()
                    self._metrics.lookup_finished(self.name, loop.time() - started, None)
                    return result
            self._metrics.lookup_finished(self.name, loop.time() - started, error.kind)
            if error.provider_fault:
                breaker.failure()
            else:
                breaker.success()
            if isinstance(error, HlrRateLimitedError) and error.retry_after:
                self._limiter.pause_until(loop.time() + min(error.retry_after, policy.retry_after_max))
            if not error.retryable or attempt >= policy.retries:
                raise error
            if error.retry_after is not None and error.retry_after > policy.retry_after_max:
                raise error
            ceiling = min(policy.backoff_max, policy.backoff * (2**attempt))
            delay = max(random.uniform(0, ceiling), error.retry_after or 0.0)  # full jitter
            await asyncio.sleep(delay)
            attempt += 1

    def _breaker_moved(self, state: BreakerState) -> None:
        log.warning("roaming.breaker_%s provider=%s", state.value.replace("-", "_"), self.name)
        self._metrics.breaker_changed(self.name, state.value)


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextlib.contextmanager
def _collector_paused(pause: bool) -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a bulk read turns rows into answers.

    A scrub's second run makes ~300,000 short- and long-lived objects per 100,000 numbers, none of them
    in reference cycles; the collector would re-scan the growing heap again and again and double the
    time (measured). Reference counting still frees everything; cycles made meanwhile by other threads
    are collected once the last pause ends. Nested and concurrent pauses are counted.
    """
    global _gc_pauses, _gc_was_enabled
    if not pause:
        yield
        return
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
