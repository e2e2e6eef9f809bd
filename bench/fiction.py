"""Fictional numbers for the benchmarks (ranges reserved for drama and tests in each plan)."""

from __future__ import annotations


def fictional_mix(n: int) -> list[str]:
    """Mixed destinations from fiction ranges: France (10,000 numbers), the US (555-01xx in 300 area
    codes: every state and zone), the UK and Germany (1,000 each). Few repeats, as in a real list."""
    from dialgate.domain.numbering_data import US_NPA_STATE

    npas = sorted(US_NPA_STATE)[:300]
    out = []
    for i in range(n):
        k = i % 4
        j = i // 4
        if k == 0:
            out.append(f"+3363998{j % 10000:04d}")
        elif k == 1:
            out.append(f"+1{npas[j % len(npas)]}55501{j // len(npas) % 100:02d}")
        elif k == 2:
            out.append(f"+447700900{j % 1000:03d}")
        else:
            out.append(f"+493023125{j % 1000:03d}")
    return out
