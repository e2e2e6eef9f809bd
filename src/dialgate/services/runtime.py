"""What every use case may reach: the store, the clock, ids, evidence, roaming. Built once by bootstrap.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from dialgate.services.ports import Clock, EvidenceStore, IdGenerator, UnitOfWorkFactory
from dialgate.services.roaming import RoamingService, UnconfiguredHlr


@dataclass
class Runtime:
    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    evidence: EvidenceStore
    clock_skew: timedelta = timedelta(minutes=5)
    import_batch_size: int = 5000
    # Roaming lookups; bootstrap wires the configured provider (the fake by default). This default, for
    # Runtimes built by hand, has no provider: every status is UNKNOWN and the rules fail closed.
    roaming: RoamingService = field(default_factory=lambda: RoamingService(UnconfiguredHlr()))
