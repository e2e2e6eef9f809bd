"""What every use case may reach: the store, the clock, ids, evidence. Built once by bootstrap.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from dialgate.services.ports import (
    Clock,
    DecisionLog,
    DecisionStore,
    EvidenceStore,
    ExportStore,
    IdGenerator,
    RegisterStore,
    RoamingLookup,
    UnitOfWorkFactory,
)
from dialgate.services.reference import ReferenceCache


@dataclass
class Runtime:
    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    evidence: EvidenceStore
    decisions: DecisionStore
    decision_log: DecisionLog
    registers: RegisterStore
    roaming: RoamingLookup | None = None
    roaming_budget_s: float = 0.3
    clock_skew: timedelta = timedelta(minutes=5)
    import_batch_size: int = 5000
    exports: ExportStore | None = None  # where access-request exports are written
    reference: ReferenceCache = field(init=False)

    def __post_init__(self) -> None:
        self.reference = ReferenceCache(self.uow)
