"""The engine as scrub's batch decider: bulk-parsed numbers in, one engine.evaluate() per chunk.

A run takes the register snapshots once (every row of a scrub answers from the same snapshots) and,
when the brand's history is small enough, its consents, do-not-call list and attempts once, joined to
each chunk by number key in numpy; above `facts_limit` rows it reads them per chunk instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC

import numpy as np

from dialgate.domain import calendar
from dialgate.domain.batch import NO_TIME, BatchContext, BatchVerdicts
from dialgate.domain.bulk_numbers import BulkNumbers
from dialgate.domain.reasons import bit
from dialgate.domain.registry import SnapshotInfo
from dialgate.domain.rules.alike import alike_rows
from dialgate.domain.rules.engine import Evaluation, evaluate
from dialgate.domain.rules.frame import CallerFacts, VendorFacts
from dialgate.domain.rules.inputs import BrandFacts, number_columns_from_bulk
from dialgate.domain.rules.packs import PACKS
from dialgate.domain.vocabulary import Channel
from dialgate.services.check import caller_facts, frame_for, lookback, registers_for
from dialgate.services.ports import RegisterSnapshot
from dialgate.services.runtime import Runtime


class EngineDecider:
    """ports.BatchDecider backed by the rule engine."""

    def __init__(self, rt: Runtime, *, facts_limit: int = 2_000_000) -> None:
        self._rt, self._facts_limit = rt, facts_limit

    def start(self, context: BatchContext) -> EngineRun:
        rt, campaign = self._rt, context.campaign
        caller = caller_facts(context.caller_id)
        vendor = VendorFacts(
            context.vendor, rt.reference.vendor(campaign.brand, context.vendor) if context.vendor else None
        )
        names = registers_for(campaign, context.at, PACKS)
        snapshots = {name: rt.registers.current(name) for name in names}
        facts = rt.decisions.brand_facts(
            campaign, Channel.CALL, context.at - lookback(campaign), context.at, limit=self._facts_limit
        )
        return EngineRun(rt, context, caller, vendor, snapshots, facts)


class EngineRun:
    def __init__(
        self,
        rt: Runtime,
        context: BatchContext,
        caller: CallerFacts,
        vendor: VendorFacts,
        snapshots: Mapping[str, RegisterSnapshot | None],
        facts: BrandFacts | None,
    ) -> None:
        self._rt, self._context, self._caller, self._vendor = rt, context, caller, vendor
        self._snapshots, self._facts = snapshots, facts

    @property
    def snapshots(self) -> Sequence[SnapshotInfo]:
        return [s.info for s in self._snapshots.values() if s is not None]

    def decide(self, numbers: BulkNumbers) -> BatchVerdicts:
        cols = number_columns_from_bulk(numbers, texts=False)  # scrub writes its own E.164 column
        ctx = self._context
        frame = frame_for(self._rt, ctx.campaign, ctx.at.astimezone(UTC), self._caller, self._vendor, cols,
                          snapshots=self._snapshots, facts=self._facts)  # fmt: skip
        alike = alike_rows(frame)
        if alike is None:
            return verdicts(evaluate(frame, PACKS))
        first, inverse = alike  # one row of each distinct input decides for all its rows
        return verdicts(evaluate(frame.take(first), PACKS)).spread(first, inverse)


def verdicts(ev: Evaluation) -> BatchVerdicts:
    """The engine's columns as scrub's: reason sets as bit masks, "never" as NO_TIME."""
    masks = np.zeros(ev.frame.n, dtype=np.uint64)
    for d, rows in ev.hits:  # the reason sets' masks straight from the rows each reason hit
        masks[rows] |= np.uint64(bit(ev.reasons[d].code))
    nxt = np.where(ev.next_allowed == calendar.NO_TIME, NO_TIME, ev.next_allowed).astype(np.int64)
    return BatchVerdicts(blocked=ev.block.copy(), reasons=masks, next_allowed_at=nxt)
