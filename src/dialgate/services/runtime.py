"""What every use case may reach: the store, the clock, ids, evidence, registers. Built once by bootstrap.py."""

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
    RegisterCompiler,
    RegisterSnapshot,
    RegisterStore,
    RoamingLookup,
    UnitOfWorkFactory,
)
from dialgate.services.reference import ReferenceCache


class NoRegisters:
    """The RegisterStore when none is wired: no register is loaded (REGISTRY_MISSING for whoever needs one)."""

    def current(self, name: str) -> RegisterSnapshot | None:  # noqa: ARG002
        return None

    def names(self) -> list[str]:
        return []

    def invalidate(self, name: str | None = None) -> None:
        pass


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
    register_files: RegisterCompiler | None = None  # None: this runtime cannot import register files
    reference: ReferenceCache = field(init=False)

    def __post_init__(self) -> None:
        self.reference = ReferenceCache(self.uow)
