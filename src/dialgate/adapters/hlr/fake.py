"""The fake HLR provider: deterministic answers from a scenario file, no network.

It is the default in development and in the demo, and the reference the contract tests hold the HTTP
adapter to. Failures are raised as the typed error the HTTP adapter would end up with; `latency_ms`
makes a number slow (for budget tests), and `failures = N` makes only the first N lookups fail.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from dialgate.adapters.hlr.scenario import Scenario
from dialgate.domain.roaming import HlrResult
from dialgate.services.ports import Clock


class FakeHlrProvider:
    def __init__(self, scenario: Scenario, *, clock: Clock, name: str = "fake") -> None:
        self.scenario = scenario
        self._clock = clock
        self._name = name
        self.requests: Counter[str] = Counter()  # lookups asked per number, for tests

    @property
    def name(self) -> str:
        return self._name

    async def lookup(self, number: str) -> HlrResult:
        self.requests[number] += 1
        entry = self.scenario.entry_for(number)
        if entry.latency_ms:
            await asyncio.sleep(entry.latency_ms / 1000)
        if entry.fails(self.requests[number]):
            raise entry.error(number)
        return entry.result(number, provider=self._name, at=self._clock.now())

    async def aclose(self) -> None:
        return None
