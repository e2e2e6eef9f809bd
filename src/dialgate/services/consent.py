"""The consent ledger's use cases: record, import, show, export, verify.

One parser (`draft_from_fields`) serves the CLI, CSV imports and the HTTP API, so all three accept and
refuse exactly the same input with the same messages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from dialgate.domain.consent import (
    ChainBreak,
    ConsentDraft,
    ConsentEvent,
    StateKey,
    fold,
    seal_with_wire,
    verify_chain,
)
from dialgate.domain.numbers import parse_number
from dialgate.domain.timeutil import format_instant, parse_instant
from dialgate.domain.vocabulary import (
    Basis,
    Channel,
    ConsentStatus,
    Party,
    Source,
    parse_enum,
    parse_purpose_or_all,
)
from dialgate.errors import InputError
from dialgate.services.brands import require_brand
from dialgate.services.feed import consent_recorded
from dialgate.services.imports import ImportReport, InputRow, RowError, bulk_e164, chunks
from dialgate.services.ports import UnitOfWork
from dialgate.services.runtime import Runtime

CONSENT_FIELDS = (
    "number", "brand", "status", "channel", "purpose", "party", "basis", "source", "captured_at",
    "expires_at", "evidence", "evidence_uri", "evidence_sha256", "notice_version", "note",
    "actor_agent", "actor_vendor", "region",
)  # fmt: skip
REQUIRED_FIELDS = ("number", "brand", "status")


def draft_from_fields(
    rt: Runtime,
    fields: Mapping[str, str | None],
    *,
    base_dir: Path | None = None,
    default_source: Source,
    now: datetime | None = None,
    e164: str | None = None,
) -> ConsentDraft:
    """Validate one consent event given as text fields. Stores the evidence file last, once all else holds.
    `e164`: the number already parsed by the caller (imports parse a chunk's numbers in bulk)."""

    clean = {k: v.strip() for k, v in fields.items() if isinstance(v, str) and v.strip()}
    get = clean.get

    for name in REQUIRED_FIELDS:
        if get(name) is None:
            raise InputError("is required").at(field=name)
    number = e164 or parse_number(get("number") or "", get("region")).e164
    now = now or rt.clock.now()
    captured_text = get("captured_at")
    captured_at = parse_instant(captured_text, "captured_at") if captured_text else now
    if captured_at > now + rt.clock_skew:
        raise InputError(
            f"{format_instant(captured_at)} is in the future (now is {format_instant(now)}); "
            "a consent cannot be captured before it happens"
        ).at(field="captured_at")
    expires_text = get("expires_at")
    expires_at = parse_instant(expires_text, "expires_at") if expires_text else None
    if expires_at is not None and expires_at <= captured_at:
        raise InputError("must be later than captured_at").at(field="expires_at")
    evidence_sha = get("evidence_sha256")
    if evidence_sha is not None:
        evidence_sha = evidence_sha.lower()
        if rt.evidence.path_of(evidence_sha) is None:
            raise InputError(f"no stored evidence has SHA-256 {evidence_sha}; upload the file first").at(
                field="evidence_sha256"
            )
    draft_kwargs = {
        "brand": get("brand") or "",
        "number": number,
        "channel": parse_enum(Channel, get("channel") or "call", "channel"),
        "purpose": parse_purpose_or_all(get("purpose") or "all"),
        "status": parse_enum(ConsentStatus, get("status") or "", "status"),
        "basis": parse_enum(Basis, get("basis") or "consent", "basis"),
        "party": parse_enum(Party, get("party") or "consumer", "party"),
        "source": parse_enum(Source, get("source") or default_source, "source"),
        "captured_at": captured_at,
        "expires_at": expires_at,
        "actor_agent": get("actor_agent"),
        "actor_vendor": get("actor_vendor"),
        "evidence_uri": get("evidence_uri"),
        "notice_version": get("notice_version"),
        "note": get("note"),
    }
    evidence_path = get("evidence")
    if evidence_path is not None:
        path = Path(evidence_path)
        if base_dir is not None and not path.is_absolute():
            path = base_dir / path
        evidence_sha = rt.evidence.put_file(path)
    return ConsentDraft(evidence_sha256=evidence_sha, **draft_kwargs)  # type: ignore[arg-type]


def append_drafts(
    uow: UnitOfWork, drafts: Iterable[ConsentDraft], recorded_at: datetime
) -> list[ConsentEvent]:
    """Seal drafts onto their brands' chains inside the caller's transaction (heads locked until commit)."""
    by_brand: dict[str, list[ConsentDraft]] = defaultdict(list)
    for draft in drafts:
        by_brand[draft.brand].append(draft)
    sealed: list[ConsentEvent] = []
    for brand in sorted(by_brand):  # a fixed lock order: two importers never deadlock on heads
        seq, prev = uow.consents.lock_head(brand)
        events = []
        for draft in by_brand[brand]:
            seq += 1
            event, wire = seal_with_wire(draft, seq=seq, prev_hash=prev, recorded_at=recorded_at)
            events.append(event)
            uow.feed.publish(consent_recorded(event, wire))  # the change feed, in this same transaction
            prev = event.hash
        uow.consents.append(events)
        sealed.extend(events)
    return sealed


def record_consent(rt: Runtime, draft: ConsentDraft) -> ConsentEvent:
    (event,) = record_consents(rt, [draft])
    return event


def record_consents(rt: Runtime, drafts: Sequence[ConsentDraft]) -> list[ConsentEvent]:
    """Append several events in one transaction (group commit); all or none. Events in input order."""
    with rt.uow(write=True) as uow:
        for brand in dict.fromkeys(d.brand for d in drafts):
            require_brand(uow, brand)
        sealed = append_drafts(uow, drafts, rt.clock.now())
        uow.commit()
    by_draft = {id(d): e for d, e in zip(_by_brand_order(drafts), sealed, strict=True)}
    return [by_draft[id(d)] for d in drafts]


def _by_brand_order(drafts: Sequence[ConsentDraft]) -> list[ConsentDraft]:
    """The order append_drafts seals in: brands sorted, each brand's drafts in input order."""
    return sorted(drafts, key=lambda d: d.brand)


def import_consents(
    rt: Runtime,
    rows: Iterable[InputRow],
    *,
    file: str,
    base_dir: Path | None = None,
    default_brand: str | None = None,
) -> ImportReport:
    """Append every valid row; report each invalid one with its line. Good rows never wait on bad ones."""
    report = ImportReport()
    known_brands: dict[str, bool] = {}
    batch: list[ConsentDraft] = []
    now = rt.clock.now()

    def flush() -> None:
        if batch:
            with rt.uow(write=True) as uow:
                append_drafts(uow, batch, rt.clock.now())
                uow.commit()
            report.accepted += len(batch)
            batch.clear()
            nonlocal now
            now = rt.clock.now()

    for chunk in chunks(rows, rt.import_batch_size):
        for row, e164 in zip(chunk, bulk_e164(rt, chunk), strict=True):
            line, fields = row.line, dict(row.fields)
            if row.problem is not None:
                report.rejected.append(RowError(line, f"{file}:{line}: {row.problem}", row.fields))
                continue
            if default_brand and not (fields.get("brand") or "").strip():
                fields["brand"] = default_brand
            try:
                draft = draft_from_fields(
                    rt, fields, base_dir=base_dir, default_source=Source.IMPORT, now=now, e164=e164
                )
                if draft.brand not in known_brands:
                    with rt.uow() as uow:
                        known_brands[draft.brand] = uow.brands.get(draft.brand) is not None
                if not known_brands[draft.brand]:
                    raise InputError(f"unknown brand '{draft.brand}'").at(field="brand")
            except InputError as exc:
                exc.at(file=file, line=line)
                report.rejected.append(RowError(line, str(exc), row.fields))
                continue
            batch.append(draft)
            if len(batch) >= rt.import_batch_size:
                flush()
    flush()
    return report


@dataclass(frozen=True)
class ConsentView:
    brand: str
    number: str
    state: dict[StateKey, ConsentEvent]
    history: list[ConsentEvent]

    def to_dict(self) -> dict[str, object]:
        return {
            "brand": self.brand,
            "number": self.number,
            "state": [
                {"channel": str(ch), "purpose": purpose, **_state_fields(ev)}
                for (ch, purpose), ev in sorted(self.state.items())
            ],
            "history": [e.to_dict() for e in self.history],
        }


def _state_fields(event: ConsentEvent) -> dict[str, object]:
    d = event.to_dict()
    keep = ("status", "basis", "party", "source", "captured_at", "expires_at", "seq", "hash")
    return {k: d[k] for k in keep} | {"has_evidence": event.has_evidence}


def show_consent(rt: Runtime, brand: str, raw_number: str, region: str | None = None) -> ConsentView:
    number = parse_number(raw_number, region).e164
    with rt.uow() as uow:
        require_brand(uow, brand)
        history = uow.consents.for_number(brand, number)
    return ConsentView(brand=brand, number=number, state=fold(history), history=history)


def export_consents(rt: Runtime, brand: str) -> Iterator[ConsentEvent]:
    with rt.uow() as uow:
        require_brand(uow, brand)
        yield from uow.consents.iter_brand(brand)


@dataclass(frozen=True)
class BrandVerification:
    brand: str
    events: int
    head_hash: str
    broken: ChainBreak | None


def verify_ledger(rt: Runtime) -> list[BrandVerification]:
    """Recompute every brand's chain from the first event; name the first event that does not hold."""
    out = []
    with rt.uow() as uow:
        for brand, head in uow.consents.heads().items():
            broken = verify_chain(brand, uow.consents.iter_brand(brand), head)
            out.append(BrandVerification(brand=brand, events=head[0], head_hash=head[1], broken=broken))
    return out
