"""The circuit breaker's transitions and the rate limiter's pacing, on a clock the test moves."""

import asyncio

from dialgate.services.roaming import BreakerState, CircuitBreaker, RateLimiter


class Time:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def breaker(time: Time, moves: list[BreakerState] | None = None) -> CircuitBreaker:
    return CircuitBreaker(
        failures=3, open_seconds=30, probes=1, now=time, on_change=moves.append if moves is not None else None
    )


def test_the_breaker_opens_after_consecutive_failures_only() -> None:
    b = breaker(Time())
    for _ in range(2):
        b.failure()
    b.success()
    b.failure()
    b.failure()
    assert b.state is BreakerState.CLOSED
    b.failure()
    assert b.state is BreakerState.OPEN
    assert not b.allow()


def test_an_open_breaker_lets_one_trial_through_after_its_pause() -> None:
    time, moves = Time(), []
    b = breaker(time, moves)
    for _ in range(3):
        b.failure()
    time.now = 29.9
    assert not b.allow()
    time.now = 30.0
    assert b.state is BreakerState.HALF_OPEN
    assert b.allow()
    assert not b.allow()  # only one probe at a time
    b.success()
    assert b.state is BreakerState.CLOSED
    assert moves == [BreakerState.OPEN, BreakerState.HALF_OPEN, BreakerState.CLOSED]


def test_a_failed_trial_opens_the_breaker_again() -> None:
    time = Time()
    b = breaker(time)
    for _ in range(3):
        b.failure()
    time.now = 31
    assert b.allow()
    b.failure()
    assert b.state is BreakerState.OPEN
    assert b.retry_in == 30


def test_a_cancelled_trial_frees_its_probe() -> None:
    time = Time()
    b = breaker(time)
    for _ in range(3):
        b.failure()
    time.now = 31
    assert b.allow()
    b.release()
    assert b.allow()


def test_the_rate_limiter_spaces_starts_evenly() -> None:
    time = Time()
    limiter = RateLimiter(10, burst=1, now=time, sleep=time.sleep)

    async def take(n: int) -> None:
        for _ in range(n):
            await limiter.acquire()

    asyncio.run(take(5))
    assert time.slept == [0.1, 0.1, 0.1, 0.1]
    assert time.now == 0.4


def test_the_rate_limiter_allows_a_small_burst() -> None:
    time = Time()
    limiter = RateLimiter(100, burst=5, now=time, sleep=time.sleep)
    asyncio.run(_take(limiter, 5))
    assert time.slept == []


def test_a_pause_holds_every_start_until_it_ends() -> None:
    time = Time()
    limiter = RateLimiter(0, now=time, sleep=time.sleep)
    asyncio.run(_take(limiter, 1))
    limiter.pause_until(2.5)
    asyncio.run(_take(limiter, 2))
    assert time.slept == [2.5]


def test_no_rate_means_no_waiting() -> None:
    time = Time()
    limiter = RateLimiter(0, now=time, sleep=time.sleep)
    asyncio.run(_take(limiter, 1000))
    assert time.slept == []


async def _take(limiter: RateLimiter, n: int) -> None:
    for _ in range(n):
        await limiter.acquire()
