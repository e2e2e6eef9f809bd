"""What every use case may reach: the store, the clock, ids, evidence, registers. Built once by bootstrap.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from dialgate.services.ports import (
    Clock,
    EvidenceStore,
    IdGenerator,
    RegisterCompiler,
    RegisterSnapshot,
    RegisterStore,
    UnitOfWorkFactory,
)


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
    clock_skew: timedelta = timedelta(minutes=5)
    import_batch_size: int = 5000
    registers: RegisterStore = field(default_factory=NoRegisters)
    register_files: RegisterCompiler | None = None  # None: this runtime cannot import register files
