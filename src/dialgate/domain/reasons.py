"""The reason codes of CONTRACT section 3, and reason sets as bit masks for bulk decisions.

Bit i of a mask stands for REASON_CODES[i]. The order is the contract's (decision.ReasonCode) and only ever grows at the end,
so masks stay comparable across versions.
"""

from __future__ import annotations

from dialgate.domain.decision import ReasonCode

REASON_CODES: tuple[ReasonCode, ...] = tuple(ReasonCode)
JOINER = "|"


def bit(code: ReasonCode) -> int:
    return 1 << REASON_CODES.index(code)


def mask_of(codes: object) -> int:
    found = 0
    for code in codes:  # type: ignore[attr-defined]
        found |= bit(ReasonCode(code))
    return found


def codes_of(mask: int) -> tuple[ReasonCode, ...]:
    return tuple(code for i, code in enumerate(REASON_CODES) if mask >> i & 1)


def joined(mask: int) -> str:
    """The reasons as the scrub output writes them: codes in contract order, joined by '|'."""
    return JOINER.join(codes_of(mask))
