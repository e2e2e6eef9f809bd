"""Import an İYS daily movement file into a brand's consent ledger, all or nothing.

Two passes over the file: the first checks every row against İYS's rules (reading the ledger), the
second appends the events in one transaction, checking again under the brand's ledger lock. A row that
fails stops the import with its line; nothing is appended. Rows already imported (same İYS
transactionId) are skipped, so loading the same day's file twice changes nothing; e-mail rows are
skipped too: they are not phone consents.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from dialgate.domain.consent import ConsentDraft, ConsentEvent
from dialgate.domain.iys import IysMovement, IysState, check_movement, parse_movement
from dialgate.domain.numbers import parse_number
from dialgate.domain.vocabulary import ALL_PURPOSES, Basis, Channel, Party, Source
from dialgate.errors import DialgateError, InputError
from dialgate.services.brands import require_brand
from dialgate.services.consent import append_drafts
from dialgate.services.imports import InputRow
from dialgate.services.ports import UnitOfWork
from dialgate.services.runtime import Runtime

EVIDENCE_PREFIX = "iys:transaction/"
StateKey = tuple[str, Party, Channel]


@dataclass
class IysReport:
    accepted: int = 0
    skipped_email: int = 0
    skipped_duplicate: int = 0
    rows: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "accepted": self.accepted,
            "skipped_email": self.skipped_email,
            "skipped_duplicate": self.skipped_duplicate,
            "rows": self.rows,
        }


class _Ledger:
    """What the brand's ledger already holds from İYS, read once per recipient."""

    def __init__(self, uow: UnitOfWork, brand: str) -> None:
        self._uow = uow
        self._brand = brand
        self.state: dict[StateKey, IysState] = {}
        self.transactions: set[str] = set()
        self._seen: set[str] = set()

    def load(self, number: str) -> None:
        if number in self._seen:
            return
        self._seen.add(number)
        events: list[ConsentEvent] = [
            e for e in self._uow.consents.for_number(self._brand, number) if e.source is Source.REGISTRY
        ]
        for event in sorted(events, key=lambda e: e.order_key):
            self.state[(number, event.party, event.channel)] = IysState(event.status, event.captured_at)
            if event.evidence_uri and event.evidence_uri.startswith(EVIDENCE_PREFIX):
                self.transactions.add(event.evidence_uri[len(EVIDENCE_PREFIX) :])


def _walk(
    rows: Iterator[InputRow], ledger: _Ledger, *, brand: str, file: str, now: datetime, report: IysReport
) -> Iterator[ConsentDraft]:
    for row in rows:
        report.rows += 1
        try:
            if row.problem is not None:
                raise InputError(row.problem)
            movement = parse_movement(row.fields)
            if not movement.is_phone:
                report.skipped_email += 1
                continue
            number = parse_number(movement.recipient).e164
            ledger.load(number)
            if movement.transaction_id and movement.transaction_id in ledger.transactions:
                report.skipped_duplicate += 1
                continue
            key = (number, movement.party, movement.channel)
            check_movement(movement, ledger.state.get(key), now)
        except DialgateError as exc:
            raise exc.at(file=file, line=row.line) from None
        ledger.state[key] = IysState(movement.status, movement.consent_at)
        if movement.transaction_id:
            ledger.transactions.add(movement.transaction_id)
        yield _draft(movement, brand, number)


def _draft(movement: IysMovement, brand: str, number: str) -> ConsentDraft:
    return ConsentDraft(
        brand=brand,
        number=number,
        channel=movement.channel,
        purpose=ALL_PURPOSES,
        status=movement.status,
        basis=Basis.CONSENT,
        party=movement.party,
        source=Source.REGISTRY,
        captured_at=movement.consent_at,
        evidence_uri=(EVIDENCE_PREFIX + movement.transaction_id) if movement.transaction_id else None,
        note=f"İYS {movement.source or 'record'} created {movement.created}".strip(),
    )


def import_iys(
    rt: Runtime, open_rows: Callable[[], Iterator[InputRow]], *, brand: str, file: str
) -> IysReport:
    """`open_rows` is called once per pass and must yield the same rows each time."""
    now = rt.clock.now()
    with rt.uow() as uow:
        require_brand(uow, brand)
        for _ in _walk(open_rows(), _Ledger(uow, brand), brand=brand, file=file, now=now, report=IysReport()):
            pass
    report = IysReport()
    with rt.uow(write=True) as uow:
        ledger = _Ledger(uow, brand)
        batch: list[ConsentDraft] = []
        for draft in _walk(open_rows(), ledger, brand=brand, file=file, now=now, report=report):
            batch.append(draft)
            if len(batch) >= rt.import_batch_size:
                append_drafts(uow, batch, rt.clock.now())
                report.accepted += len(batch)
                batch.clear()
        if batch:
            append_drafts(uow, batch, rt.clock.now())
            report.accepted += len(batch)
        uow.commit()
    return report
