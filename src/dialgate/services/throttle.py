"""Rate buckets in the store, shared by every worker and process: lock-outs and per-address limits."""

from __future__ import annotations

from datetime import datetime, timedelta

from dialgate.domain.staff import Policy, hit
from dialgate.errors import RateLimitedError
from dialgate.services.ports import UnitOfWork
from dialgate.services.runtime import Runtime


class ThrottledError(RateLimitedError):
    """Too many hits on a key; `retry_after` says when the next one will be counted again."""

    def __init__(self, message: str, retry_after: timedelta) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def retry_after_seconds(self) -> int:
        return max(1, int(self.retry_after.total_seconds() + 0.999))


def take(rt: Runtime, key: str, policy: Policy) -> timedelta | None:
    """Count one hit on `key` unless it is blocked. Returns how long to wait when it is blocked (and then
    counts nothing), None when the hit was counted and the caller may go ahead."""
    now = rt.clock.now()
    with rt.uow(write=True) as uow:
        wait = take_in(uow, key, policy, now)
        if wait is None:
            uow.commit()
    return wait


def take_in(uow: UnitOfWork, key: str, policy: Policy, now: datetime) -> timedelta | None:
    """`take` inside the caller's transaction (the bucket stays locked until it commits)."""
    bucket = uow.rate_buckets.lock(key)
    if bucket is not None:
        wait = bucket.retry_after(now)
        if wait is not None:
            return wait
    counted = hit(bucket, now, policy)
    uow.rate_buckets.put(key, counted, counted.expires_at(policy))
    uow.rate_buckets.purge(now)
    return None
