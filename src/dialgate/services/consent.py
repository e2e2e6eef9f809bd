"""The consent ledger's use cases: record, import, show, export, verify.

One parser (`draft_from_fields`) serves the CLI, CSV imports and the HTTP API, so all three accept and
refuse exactly the same input with the same messages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from dialgate.domain.consent import (
    CallKey,
    ChainBreak,
    ConsentDraft,
    ConsentEvent,
    DraftRow,
    StateKey,
    draft_row,
    fold,
    fold_for_calls,
    seal_rows,
    sealed_event,
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
    captured_at = parse_captured_at(get("captured_at"), now or rt.clock.now(), rt.clock_skew)
    expires_at = parse_expires_at(get("expires_at"))
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
        **{name: parse(get(name)) for name, parse in choice_parsers(default_source).items()},
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


@cache
def choice_parsers(default_source: Source) -> dict[str, Callable[[str | None], str]]:
    """How each field with a fixed set of values is read (a blank one gets its default), in the order
    draft_from_fields checks them."""
    return {
        "channel": lambda text: parse_enum(Channel, text or "call", "channel"),
        "purpose": lambda text: parse_purpose_or_all(text or "all"),
        "status": lambda text: parse_enum(ConsentStatus, text or "", "status"),
        "basis": lambda text: parse_enum(Basis, text or "consent", "basis"),
        "party": lambda text: parse_enum(Party, text or "consumer", "party"),
        "source": lambda text: parse_enum(Source, text or default_source, "source"),
    }


def parse_captured_at(text: str | None, now: datetime, clock_skew: timedelta) -> datetime:
    """When the person consented: `now` if not given, never later than now (give or take the skew)."""
    captured_at = parse_instant(text, "captured_at") if text else now
    if captured_at > now + clock_skew:
        raise InputError(
            f"{format_instant(captured_at)} is in the future (now is {format_instant(now)}); "
            "a consent cannot be captured before it happens"
        ).at(field="captured_at")
    return captured_at


def parse_expires_at(text: str | None) -> datetime | None:
    return parse_instant(text, "expires_at") if text else None


def append_drafts(
    uow: UnitOfWork, drafts: Iterable[ConsentDraft], recorded_at: datetime
) -> list[ConsentEvent]:
    """Seal drafts onto their brands' chains inside the caller's transaction (heads locked until commit)."""
    by_brand: dict[str, list[ConsentDraft]] = defaultdict(list)
    for draft in drafts:
        by_brand[draft.brand].append(draft)
    sealed: list[ConsentEvent] = []
    for brand in sorted(by_brand):  # a fixed lock order: two importers never deadlock on heads
        brand_drafts = by_brand[brand]
        wires = append_rows(uow, brand, [draft_row(d) for d in brand_drafts], recorded_at)
        sealed.extend(sealed_event(d, w, recorded_at) for d, w in zip(brand_drafts, wires, strict=True))
    return sealed


def append_rows(
    uow: UnitOfWork, brand: str, rows: Sequence[DraftRow], recorded_at: datetime
) -> list[dict[str, Any]]:
    """Seal one brand's draft rows onto its chain inside the caller's transaction (its head locked until
    commit), with their change-feed events in that same transaction. Their wire forms, in order."""
    wires = seal_rows(rows, head=uow.consents.lock_head(brand), recorded_at=recorded_at)
    uow.consents.append(wires)
    for wire in wires:
        uow.feed.publish(consent_recorded(wire, recorded_at))
    return wires


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


@dataclass(frozen=True)
class ConsentView:
    brand: str
    number: str
    state: dict[StateKey, ConsentEvent]  # the latest event per channel x purpose
    calls: dict[CallKey, ConsentEvent]  # what a check reads, per channel x purpose x party called
    history: list[ConsentEvent]

    def to_dict(self) -> dict[str, object]:
        return {
            "brand": self.brand,
            "number": self.number,
            "state": [
                {"channel": str(ch), "purpose": purpose, **_state_fields(ev)}
                for (ch, purpose), ev in sorted(self.state.items())
            ],
            "calls": [
                {
                    "channel": str(ch),
                    "purpose": purpose,
                    **_state_fields(ev),
                    "party": str(party),
                    "event_purpose": ev.purpose,
                    "event_party": str(ev.party),
                }
                for (ch, purpose, party), ev in self.calls.items()
            ],
            "history": [e.to_dict() for e in self.history],
        }

    def calls_differ(self) -> bool:
        """Whether `calls` says more than `state`: events of both parties, or one for `all` later than a
        purpose's own."""
        return any(self.state.get((ch, purpose)) is not ev for (ch, purpose, _), ev in self.calls.items())


def _state_fields(event: ConsentEvent) -> dict[str, object]:
    d = event.to_dict()
    keep = ("status", "basis", "party", "source", "captured_at", "expires_at", "seq", "hash")
    return {k: d[k] for k in keep} | {"has_evidence": event.has_evidence}


def show_consent(rt: Runtime, brand: str, raw_number: str, region: str | None = None) -> ConsentView:
    number = parse_number(raw_number, region).e164
    with rt.uow() as uow:
        require_brand(uow, brand)
        history = uow.consents.for_number(brand, number)
    return ConsentView(brand, number, fold(history), fold_for_calls(history), history)


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
