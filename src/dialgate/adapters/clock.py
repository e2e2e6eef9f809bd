"""The system clock and identifiers (ULIDs: sortable by time, unique without coordination)."""

from __future__ import annotations

import base64
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


_FROM_RFC4648 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _CROCKFORD)


def encode_ulid(ms: int, randomness: bytes) -> str:
    """26 Crockford base-32 characters for 48 bits of time and 80 of randomness. base64's encoder does
    the work in C: 160 bits whose top 130 are 2 zero bits then the ULID's 128, translated."""
    value = (ms << 80) | int.from_bytes(randomness[:10], "big")
    return base64.b32encode((value << 30).to_bytes(20, "big")).decode()[:26].translate(_FROM_RFC4648)


class UlidGenerator:
    def new_id(self) -> str:
        return encode_ulid(time.time_ns() // 1_000_000, os.urandom(10))
