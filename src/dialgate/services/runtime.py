"""What every use case may reach: the store, the clock, ids, evidence. Built once by bootstrap.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from dialgate.services.ports import (
    BatchDecider,
    Clock,
    EvidenceStore,
    IdGenerator,
    JobFiles,
    NumberTablesSource,
    RegisterStore,
    ScrubFiles,
    UnitOfWorkFactory,
)


@dataclass
class Runtime:
    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    evidence: EvidenceStore
    clock_skew: timedelta = timedelta(minutes=5)
    import_batch_size: int = 5000
    registers: RegisterStore | None = None
    number_tables: NumberTablesSource | None = None
    batch_decider: BatchDecider | None = None  # None: scrub uses the provisional decider
    scrub_files: ScrubFiles | None = None
    job_files: JobFiles | None = None
