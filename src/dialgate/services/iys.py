"""Import an İYS daily movement file into a brand's consent ledger, all or nothing.

Two passes over the file: the first checks every row against İYS's rules (reading the ledger), the
second appends the events in one transaction, checking again under the brand's ledger lock. A row that
fails stops the import with its line; nothing is appended. Rows already imported (same İYS
transactionId) are skipped, so loading the same day's file twice changes nothing; e-mail rows are
skipped too: they are not phone consents.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from dialgate.domain.consent import ConsentDraft
from dialgate.domain.iys import IysMovement, IysState, check_movement, parse_movement
from dialgate.domain.numbers import parse_number
from dialgate.domain.vocabulary import ALL_PURPOSES, Basis, Channel, Party, Source
from dialgate.errors import DialgateError, InputError
from dialgate.services.brands import require_brand
from dialgate.services.consent import append_drafts
from dialgate.services.imports import InputRow, bulk_e164
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


LOOKUP_ROWS = 1000  # rows read ahead so that their numbers' İYS history comes in one query


class _Ledger:
    """What the brand's ledger already holds from İYS, read once per recipient."""

    def __init__(self, uow: UnitOfWork, brand: str) -> None:
        self._uow = uow
        self._brand = brand
        self.state: dict[StateKey, IysState] = {}
        self.transactions: set[str] = set()
        self._seen: set[str] = set()

    def load(self, numbers: Iterable[str]) -> None:
        new = [n for n in dict.fromkeys(numbers) if n not in self._seen]
        if not new:
            return
        self._seen.update(new)
        found = self._uow.consents.for_numbers(self._brand, new, source=Source.REGISTRY)
        for events in found.values():
            for event in sorted(events, key=lambda e: e.order_key):  # the latest of each key is its state
                self.state[(event.number, event.party, event.channel)] = IysState(
                    event.status, event.captured_at
                )
                if event.evidence_uri and event.evidence_uri.startswith(EVIDENCE_PREFIX):
                    self.transactions.add(event.evidence_uri[len(EVIDENCE_PREFIX) :])


def _read(row: InputRow, e164: str | None) -> tuple[IysMovement, str | None]:
    """The row's movement and its number in E.164 (None for an e-mail record); `e164` when bulk parsing
    already found it."""
    if row.problem is not None:
        raise InputError(row.problem)
    movement = parse_movement(row.fields)
    if not movement.is_phone:
        return movement, None
    return movement, e164 or parse_number(movement.recipient).e164


def _walk(
    rt: Runtime,
    rows: Iterator[InputRow],
    ledger: _Ledger,
    *,
    brand: str,
    file: str,
    now: datetime,
    report: IysReport,
) -> Iterator[ConsentDraft]:
    for chunk, unreadable in _ahead(rows, LOOKUP_ROWS):
        # Read ahead, then check in file order: the first bad row is the one reported.
        read: list[tuple[IysMovement, str | None] | DialgateError] = []
        for row, e164 in zip(chunk, bulk_e164(rt, chunk, field="recipient"), strict=True):
            try:
                read.append(_read(row, e164))
            except DialgateError as exc:
                read.append(exc)
        ledger.load(got[1] for got in read if not isinstance(got, DialgateError) and got[1] is not None)
        for row, got in zip(chunk, read, strict=True):
            report.rows += 1
            try:
                if isinstance(got, DialgateError):
                    raise got
                movement, number = got
                if number is None:
                    report.skipped_email += 1
                    continue
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
        if unreadable is not None:  # the file itself broke after the rows above: reported after them
            raise unreadable


def _ahead(rows: Iterator[InputRow], size: int) -> Iterator[tuple[list[InputRow], DialgateError | None]]:
    """Rows in lists of `size`. When reading the file fails (a broken line, another encoding), the rows
    read before it come first, with the error to raise once they are checked."""
    chunk: list[InputRow] = []
    try:
        for row in rows:
            chunk.append(row)
            if len(chunk) == size:
                yield chunk, None
                chunk = []
    except DialgateError as exc:
        yield chunk, exc
        return
    if chunk:
        yield chunk, None


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
        for _ in _walk(
            rt, open_rows(), _Ledger(uow, brand), brand=brand, file=file, now=now, report=IysReport()
        ):
            pass
    report = IysReport()
    with rt.uow(write=True) as uow:
        ledger = _Ledger(uow, brand)
        batch: list[ConsentDraft] = []
        for draft in _walk(rt, open_rows(), ledger, brand=brand, file=file, now=now, report=report):
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
