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


_LOW = (1 << 50) - 1  # the bits of a ULID's last 10 characters


class UlidGenerator:
    def new_id(self) -> str:
        return encode_ulid(time.time_ns() // 1_000_000, os.urandom(10))

    def new_ids(self, count: int) -> list[str]:
        """`count` ids for one bulk write: one millisecond and one random draw, then consecutive values
        (the ULID spec's monotonic mode), so they are unique, sort in the order given, and cost a fifth.
        Bit 49 of the draw is cleared so counting never carries past the last 10 characters."""
        start = int.from_bytes(os.urandom(10), "big") & ~(1 << 49)
        prefix = encode_ulid(time.time_ns() // 1_000_000, start.to_bytes(10, "big"))[:16]
        low = start & _LOW
        return [prefix + "".join([_PAIRS[(v >> s) & 1023] for s in (40, 30, 20, 10, 0)])
                for v in range(low, low + count)]  # fmt: skip
