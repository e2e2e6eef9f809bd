"""What every use case may reach: the store, the clock, ids, evidence, registers, roaming. Built once by bootstrap.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from dialgate.domain.bulk_numbers import NumberDigits, ParseSteps, numpy_steps
from dialgate.domain.webhooks import Network
from dialgate.services.ports import (
    BatchDecider,
    Clock,
    DecisionLog,
    DecisionStore,
    EvidenceStore,
    ExportStore,
    IdGenerator,
    JobFiles,
    NumberTablesSource,
    RegisterCompiler,
    RegisterSnapshot,
    RegisterStore,
    ScrubFiles,
    UnitOfWorkFactory,
)
from dialgate.services.reference import ReferenceCache
from dialgate.services.roaming import RoamingService, UnconfiguredHlr


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
    registers: RegisterStore = field(default_factory=NoRegisters)
    # Roaming lookups; bootstrap wires the configured provider (the fake by default). This default, for
    # Runtimes built by hand, has no provider: every status is UNKNOWN and the rules fail closed.
    roaming: RoamingService = field(default_factory=lambda: RoamingService(UnconfiguredHlr()))
    clock_skew: timedelta = timedelta(minutes=5)
    import_batch_size: int = 5000
    scrub_result_keep: timedelta = timedelta(days=31)  # how long a scrub job's result is downloadable
    exports: ExportStore | None = None  # where access-request exports are written
    register_files: RegisterCompiler | None = None  # None: this runtime cannot import register files
    number_tables: NumberTablesSource | None = None
    # How a batch's raw numbers are reduced to digits for bulk parsing; bootstrap wires a compiled kernel.
    digits: Callable[[Sequence[str]], NumberDigits] = NumberDigits.from_strings
    # How bulk parsing replays phonenumbers' steps on the digits; bootstrap wires a compiled kernel.
    parse_steps: ParseSteps = numpy_steps
    batch_decider: BatchDecider | None = None  # None: scrub uses the provisional decider
    scrub_files: ScrubFiles | None = None
    job_files: JobFiles | None = None
    # Non-public addresses webhooks may reach (webhooks.allowed_networks); every other one is refused.
    webhook_networks: tuple[Network, ...] = ()
    reference: ReferenceCache = field(init=False)

    def __post_init__(self) -> None:
        self.reference = ReferenceCache(self.uow)
