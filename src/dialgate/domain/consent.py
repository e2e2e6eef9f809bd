"""The consent ledger's core: events, their hash chain, and the current-state fold.

Each brand has one chain. An event's hash covers every stored field and the previous event's hash,
so an edit, a deletion or a reordering anywhere breaks the chain from that point on, and the stored
chain head catches a deleted last event.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from dialgate.domain.timeutil import format_instant
from dialgate.domain.vocabulary import ALL_PURPOSES, Basis, Channel, ConsentStatus, Party, Source

GENESIS_HASH = "0" * 64
HASH_VERSION = "dialgate-consent-v1"


@dataclass(frozen=True, slots=True)
class ConsentDraft:
    """One consent event as a caller asks for it, before the ledger numbers and seals it."""

    brand: str
    number: str  # E.164
    channel: Channel
    purpose: str  # a Purpose value or "all"
    status: ConsentStatus
    basis: Basis
    party: Party
    source: Source
    captured_at: datetime  # when the person consented or revoked
    expires_at: datetime | None = None
    actor_agent: str | None = None
    actor_vendor: str | None = None
    evidence_sha256: str | None = None
    evidence_uri: str | None = None
    notice_version: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ConsentEvent:
    """A sealed event: never updated, never deleted."""

    seq: int
    brand: str
    number: str
    channel: Channel
    purpose: str
    status: ConsentStatus
    basis: Basis
    party: Party
    source: Source
    captured_at: datetime
    recorded_at: datetime  # when dialgate stored it
    expires_at: datetime | None
    actor_agent: str | None
    actor_vendor: str | None
    evidence_sha256: str | None
    evidence_uri: str | None
    notice_version: str | None
    note: str | None
    prev_hash: str
    hash: str

    @property
    def has_evidence(self) -> bool:
        return bool(self.evidence_sha256 or self.evidence_uri)

    @property
    def order_key(self) -> tuple[datetime, int]:
        """Latest captured_at wins; ties go to the later append."""
        return (self.captured_at, self.seq)

    def to_dict(self) -> dict[str, Any]:
        # Built by hand: dataclasses.asdict deep-copies every field, which dominated bulk imports.
        return _to_wire({name: getattr(self, name) for name in _EVENT_FIELDS})


_EVENT_FIELDS = tuple(ConsentEvent.__dataclass_fields__)


def _to_wire(values: dict[str, Any]) -> dict[str, Any]:
    """An event's fields as JSON values, in place: instants in canonical UTC, enums as their text."""
    for key in ("captured_at", "recorded_at", "expires_at"):
        values[key] = format_instant(values[key]) if values[key] is not None else None
    for key in ("channel", "status", "basis", "party", "source"):
        values[key] = str(values[key])
    return values


def canonical_bytes(fields: Mapping[str, Any]) -> bytes:
    """Stable serialisation: sorted keys, no spaces, UTF-8, instants in canonical UTC. (The bytes of
    json's sort_keys, separators (",", ":"), ensure_ascii=False; orjson writes them several times faster.)"""
    return orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)


def compute_hash(event_fields: Mapping[str, Any]) -> str:
    body = {**event_fields, "v": HASH_VERSION}
    body.pop("hash", None)
    return hashlib.sha256(canonical_bytes(body)).hexdigest()


def seal(draft: ConsentDraft, *, seq: int, prev_hash: str, recorded_at: datetime) -> ConsentEvent:
    """Number an event, link it to the previous one and compute its hash."""
    return seal_with_wire(draft, seq=seq, prev_hash=prev_hash, recorded_at=recorded_at)[0]


def seal_with_wire(
    draft: ConsentDraft, *, seq: int, prev_hash: str, recorded_at: datetime
) -> tuple[ConsentEvent, dict[str, Any]]:
    """seal, also giving the event's wire form (its to_dict), which the change feed publishes."""
    (wire,) = seal_rows([draft_row(draft)], head=(seq - 1, prev_hash), recorded_at=recorded_at)
    return sealed_event(draft, wire, recorded_at), wire


DraftRow = tuple[Any, ...]
"""A draft's fields in ConsentDraft's order, as wire values (enums as their text, instants in canonical
UTC): bulk imports build these straight from their columns, without a ConsentDraft per row."""


def draft_row(draft: ConsentDraft) -> DraftRow:
    expires = draft.expires_at
    return (
        draft.brand, draft.number, str(draft.channel), draft.purpose, str(draft.status), str(draft.basis),
        str(draft.party), str(draft.source), format_instant(draft.captured_at),
        None if expires is None else format_instant(expires), draft.actor_agent, draft.actor_vendor,
        draft.evidence_sha256, draft.evidence_uri, draft.notice_version, draft.note,
    )  # fmt: skip


def seal_rows(
    rows: Iterable[DraftRow], *, head: tuple[int, str], recorded_at: datetime
) -> list[dict[str, Any]]:
    """Number and chain drafts after a brand's head (seq, hash): each one's wire form, hash included.
    Every sealed event goes through here, so a single append and a bulk import hash the same bytes."""
    seq, prev_hash = head
    recorded = format_instant(recorded_at)
    wires = []
    for (brand, number, channel, purpose, status, basis, party, source, captured, expires,
         agent, vendor, evidence_sha256, evidence_uri, notice, note) in rows:  # fmt: skip
        seq += 1
        # to_dict's keys, in its order (the feed publishes this dict as it is)
        wire = {
            "seq": seq,
            "brand": brand,
            "number": number,
            "channel": channel,
            "purpose": purpose,
            "status": status,
            "basis": basis,
            "party": party,
            "source": source,
            "captured_at": captured,
            "recorded_at": recorded,
            "expires_at": expires,
            "actor_agent": agent,
            "actor_vendor": vendor,
            "evidence_sha256": evidence_sha256,
            "evidence_uri": evidence_uri,
            "notice_version": notice,
            "note": note,
            "prev_hash": prev_hash,
        }
        prev_hash = wire["hash"] = compute_hash(wire)
        wires.append(wire)
    return wires


def sealed_event(draft: ConsentDraft, wire: Mapping[str, Any], recorded_at: datetime) -> ConsentEvent:
    """The event seal_rows made of a draft, from the draft and its wire form."""
    fields = {name: getattr(draft, name) for name in _DRAFT_FIELDS}
    return ConsentEvent(
        seq=wire["seq"], recorded_at=recorded_at, prev_hash=wire["prev_hash"], hash=wire["hash"], **fields
    )


_DRAFT_FIELDS = tuple(ConsentDraft.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class ChainBreak:
    brand: str
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"brand '{self.brand}', event seq {self.seq}: {self.problem}"


def verify_chain(
    brand: str, events: Iterable[ConsentEvent], head: tuple[int, str] | None
) -> ChainBreak | None:
    """Walk one brand's events in seq order; name the first one that does not hold."""
    expected_seq, prev = 1, GENESIS_HASH
    for event in events:
        if event.seq != expected_seq:
            missing = "missing" if event.seq > expected_seq else "out of order or duplicated"
            return ChainBreak(brand, expected_seq, f"event {missing} (found seq {event.seq} next)")
        if event.prev_hash != prev:
            return ChainBreak(brand, event.seq, "prev_hash does not match the previous event's hash")
        if compute_hash(event.to_dict()) != event.hash:
            return ChainBreak(brand, event.seq, "content does not match its hash (the event was edited)")
        prev, expected_seq = event.hash, expected_seq + 1
    last_seq = expected_seq - 1
    if head is not None and head != (last_seq, prev):
        head_seq, _ = head
        if head_seq > last_seq:
            return ChainBreak(brand, last_seq + 1, f"event missing: the chain head records {head_seq} events")
        return ChainBreak(brand, head_seq, "the chain head does not match the last event")
    return None


StateKey = tuple[Channel, str]
CallKey = tuple[Channel, str, Party]


def fold(events: Iterable[ConsentEvent]) -> dict[StateKey, ConsentEvent]:
    """Current state per channel x purpose: the latest captured_at wins, ties by seq (the `state` of
    consent show; fold_for_calls says what a check reads)."""
    state: dict[StateKey, ConsentEvent] = {}
    for event in events:
        key = (event.channel, event.purpose)
        held = state.get(key)
        if held is None or event.order_key > held.order_key:
            state[key] = event
    return state


def fold_for_calls(events: Iterable[ConsentEvent]) -> dict[CallKey, ConsentEvent]:
    """Per channel x purpose x party: the event a check of a campaign calling that party
    for that purpose folds to (rules/inputs._for_party), over the purpose's events and those for `all`:
    the latest (captured_at, then seq) of the party's own and of the other party's latest where that is
    a revocation. A grant counts for the party it was given as (İYS keeps an individual's and a trader's
    records apart); a revocation stops every campaign. Entries in order, the consumer's first, for the
    parties with events of their own on the channel: a history of one party has one per purpose."""
    pools: dict[tuple[Channel, str], list[ConsentEvent]] = {}
    parties: dict[Channel, set[Party]] = {}
    for event in events:
        pools.setdefault((event.channel, event.purpose), []).append(event)
        parties.setdefault(event.channel, set()).add(event.party)
    state: dict[CallKey, ConsentEvent] = {}
    for channel, purpose in sorted(pools):
        pool = pools[(channel, purpose)]
        if purpose != ALL_PURPOSES:
            pool = pool + pools.get((channel, ALL_PURPOSES), [])
        for party in Party:
            governing = _governing(pool, party) if party in parties[channel] else None
            if governing is not None:
                state[(channel, purpose, party)] = governing
    return state


def _governing(events: list[ConsentEvent], party: Party) -> ConsentEvent | None:
    others = [e for e in events if e.party != party]
    standing = max(others, key=_ORDER) if others else None
    speaking = [e for e in events if e.party == party]
    if standing is not None and standing.status is ConsentStatus.REVOKED:
        speaking.append(standing)
    return max(speaking, key=_ORDER) if speaking else None


_ORDER = operator.attrgetter("order_key")


def effective(
    state: Mapping[CallKey, ConsentEvent], channel: Channel, purpose: str, party: Party = Party.CONSUMER
) -> ConsentEvent | None:
    """What governs one purpose for a campaign calling `party`, from fold_for_calls' entries: the
    purpose's own (merged there with the events for `all`), or, for a purpose without events of its own
    (no entry for either party), the entry for `all`."""
    if any((channel, purpose, p) in state for p in Party):
        return state.get((channel, purpose, party))
    return state.get((channel, ALL_PURPOSES, party))


def is_granted(event: ConsentEvent | None) -> bool:
    return event is not None and event.status is ConsentStatus.GRANTED
