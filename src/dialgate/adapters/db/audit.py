"""Reading the decision audit trail: counts for the dashboard, and a number's latest decisions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from dialgate.adapters.db.tables import DecisionBatchRow, DecisionDayRow, DecisionRow, table
from dialgate.domain.audit import DayCount, DecisionRecord, Tally

_decisions, _batches, _days = table(DecisionRow), table(DecisionBatchRow), table(DecisionDayRow)


class SqlDecisionAudit:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def tally(self, brand: str, since: datetime, until: datetime, vendor: str | None) -> Tally:
        out = Tally()
        d, b = _decisions.c, _batches.c
        singles = (
            select(d.verdict, d.reasons, func.count().label("n"))
            .where(_period(d, brand, since, until, vendor))
            .group_by(d.verdict, d.reasons)
        )
        for row in self._c.execute(singles):
            out.add_single(row.verdict, row.reasons or "", int(row.n))
        batches = select(b["count"].label("n"), b.blocked, b.reason_counts).where(
            _period(b, brand, since, until, vendor)
        )
        for row in self._c.execute(batches):  # a Row's .count is tuple.count: hence the label
            out.add_batch(int(row.n), int(row.blocked), row.reason_counts or {})
        return out

    def per_day(self, brand: str, since: datetime, until: datetime, vendor: str | None) -> list[DayCount]:
        d, b = _decisions.c, _batches.c
        out: list[DayCount] = []
        day = self._utc_day(d.evaluated_at)
        singles = (
            select(day.label("day"), d.verdict, func.count().label("n"))
            .where(_period(d, brand, since, until, vendor))
            .group_by(day, d.verdict)
        )
        for row in self._c.execute(singles):
            n = int(row.n)
            allowed = row.verdict == "ALLOW"
            out.append(DayCount(_as_date(row.day), n if allowed else 0, 0 if allowed else n))
        bday = self._utc_day(b.evaluated_at)
        batches = (
            select(bday.label("day"), func.sum(b["count"]).label("n"), func.sum(b.blocked).label("blocked"))
            .where(_period(b, brand, since, until, vendor))
            .group_by(bday)
        )
        for row in self._c.execute(batches):
            n, blocked = int(row.n or 0), int(row.blocked or 0)
            out.append(DayCount(_as_date(row.day), n - blocked, blocked))
        return out

    def for_number(self, brand: str, number: str, limit: int, vendor: str | None) -> list[DecisionRecord]:
        d = _decisions.c
        query = select(_decisions).where((d.brand_id == brand) & (d.number == number))
        if vendor is not None:
            query = query.where(d.vendor_id == vendor)
        rows = self._c.execute(query.order_by(d.evaluated_at.desc(), d.check_id.desc()).limit(limit))
        return [_record(r) for r in rows]

    def rolled_up(self, brand: str, vendor: str | None, first: date, last: date) -> list[DayCount]:
        c = _days.c
        rows = self._c.execute(
            select(c.day, c.allowed, c.blocked)
            .where((c.brand_id == brand) & (c.scope == (vendor or "")) & (c.day >= first) & (c.day <= last))
            .order_by(c.day)
        )
        return [DayCount(_as_date(r.day), int(r.allowed), int(r.blocked)) for r in rows]

    def roll_up(self, brand: str, vendor: str | None, days: Sequence[DayCount], at: datetime) -> None:
        if not days:
            return
        dialect = postgresql if self._c.dialect.name == "postgresql" else sqlite
        rows = [
            {"brand_id": brand, "scope": vendor or "", "day": d.day, "allowed": d.allowed,
             "blocked": d.blocked, "computed_at": at}
            for d in days
        ]  # fmt: skip
        self._c.execute(dialect.insert(_days).on_conflict_do_nothing(), rows)

    def _utc_day(self, column: Any) -> ColumnElement[Any]:
        if self._c.dialect.name == "postgresql":
            return func.date(func.timezone("UTC", column))
        return func.date(column)  # SQLite keeps UTC instants as 'YYYY-MM-DD HH:MM:SS.ffffff'


def _period(c: Any, brand: str, since: datetime, until: datetime, vendor: str | None) -> ColumnElement[bool]:
    where: ColumnElement[bool] = (c.brand_id == brand) & (c.evaluated_at >= since) & (c.evaluated_at < until)
    if vendor is not None:
        where = where & (c.vendor_id == vendor)
    return where


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _record(r: Any) -> DecisionRecord:
    detail = r.detail or {}
    return DecisionRecord(
        check_id=r.check_id,
        campaign=r.campaign_id,
        number=r.number,
        at=r.at,
        evaluated_at=r.evaluated_at,
        verdict=r.verdict,
        codes=tuple(c for c in (r.reasons or "").split("|") if c),
        next_allowed_at=r.next_allowed_at,
        vendor=r.vendor_id,
        via=r.via,
        reasons=tuple(detail.get("reasons", ())),
    )
