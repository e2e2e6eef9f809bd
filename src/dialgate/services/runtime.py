"""What every use case may reach: the store, the clock, ids, evidence. Built once by bootstrap.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from dialgate.services.ports import Clock, EvidenceStore, ExportStore, IdGenerator, UnitOfWorkFactory


@dataclass
class Runtime:
    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    evidence: EvidenceStore
    clock_skew: timedelta = timedelta(minutes=5)
    import_batch_size: int = 5000
    exports: ExportStore | None = None  # where access-request exports are written
