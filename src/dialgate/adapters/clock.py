"""The system clock and identifiers (ULIDs: sortable by time, unique without coordination)."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved: for tests and reproducible demos."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def encode_ulid(ms: int, randomness: bytes) -> str:
    value = (ms << 80) | int.from_bytes(randomness[:10], "big")
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


class UlidGenerator:
    def new_id(self) -> str:
        return encode_ulid(time.time_ns() // 1_000_000, os.urandom(10))
