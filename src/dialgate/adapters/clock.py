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


_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]  # every 10-bit value as two characters
_SHIFTS = tuple(range(120, -10, -10))


def encode_ulid(ms: int, randomness: bytes) -> str:
    """26 Crockford base-32 characters for 48 bits of time and 80 of randomness (130 bits, the top two
    zero), two characters per table lookup."""
    value = (ms << 80) | int.from_bytes(randomness[:10], "big")
    return "".join([_PAIRS[(value >> s) & 1023] for s in _SHIFTS])


class UlidGenerator:
    def new_id(self) -> str:
        return encode_ulid(time.time_ns() // 1_000_000, os.urandom(10))
