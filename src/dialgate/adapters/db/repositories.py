"""Repositories: domain values in, domain values out. SQLAlchemy Core on the unit of work's connection."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from dialgate.adapters.db.engine import insert_sql
from dialgate.adapters.db.tables import (
    ApiKeyRow,
    BrandRow,
    CallAttemptRow,
    CampaignRow,
    CampaignVersionRow,
    ConsentEventRow,
    DncLogRow,
    DncNumberRow,
    LedgerHeadRow,
    VendorRow,
    table,
)
from dialgate.adapters.db.types import canonical_instant_param
from dialgate.domain.access import Scope
from dialgate.domain.campaign import Campaign, Limits
from dialgate.domain.consent import GENESIS_HASH, ConsentEvent
from dialgate.domain.model import Brand, CallAttempt, DncEntry, DncLogEntry, RecordedAttempt, Vendor
from dialgate.domain.vocabulary import Basis, Channel, ConsentStatus, Outcome, Party, Purpose, Source
from dialgate.errors import ConflictError, StoreError

_brands, _heads, _events = table(BrandRow), table(LedgerHeadRow), table(ConsentEventRow)
_vendors, _campaigns, _versions = table(VendorRow), table(CampaignRow), table(CampaignVersionRow)
_dnc, _dnc_log, _attempts, _keys = (
    table(DncNumberRow),
    table(DncLogRow),
    table(CallAttemptRow),
    table(ApiKeyRow),
)


class SqlBrands:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, brand: Brand) -> None:
        try:
            with self._c.begin_nested():
                self._c.execute(
                    insert(_brands).values(id=brand.id, name=brand.name, created_at=brand.created_at)
                )
        except IntegrityError:
            raise ConflictError(f"brand '{brand.id}' already exists") from None
        self._c.execute(insert(_heads).values(brand_id=brand.id, seq=0, hash=GENESIS_HASH))

    def get(self, brand_id: str) -> Brand | None:
        row = self._c.execute(select(_brands).where(_brands.c.id == brand_id)).first()
        return Brand(row.id, row.name, row.created_at) if row else None

    def list(self) -> list[Brand]:
        return [
            Brand(r.id, r.name, r.created_at) for r in self._c.execute(select(_brands).order_by(_brands.c.id))
        ]


class SqlVendors:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def upsert(self, vendor: Vendor, at: datetime) -> None:
        values = {
            "name": vendor.name,
            "accredited": vendor.accredited,
            "accredited_until": vendor.accredited_until,
            "updated_at": at,
        }
        key = (_vendors.c.brand_id == vendor.brand) & (_vendors.c.id == vendor.id)
        if self._c.execute(update(_vendors).where(key).values(**values)).rowcount == 0:
            self._c.execute(insert(_vendors).values(brand_id=vendor.brand, id=vendor.id, **values))

    def get(self, brand: str, vendor_id: str) -> Vendor | None:
        row = self._c.execute(
            select(_vendors).where((_vendors.c.brand_id == brand) & (_vendors.c.id == vendor_id))
        ).first()
        return _vendor(row) if row else None

    def list(self, brand: str) -> list[Vendor]:
        rows = self._c.execute(select(_vendors).where(_vendors.c.brand_id == brand).order_by(_vendors.c.id))
        return [_vendor(r) for r in rows]


def _vendor(row: Any) -> Vendor:
    return Vendor(row.brand_id, row.id, row.name, row.accredited, row.accredited_until)


class SqlCampaigns:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def upsert(self, campaign: Campaign, source: str, at: datetime) -> int:
        current = self._c.execute(
            select(_campaigns.c.version, _campaigns.c.brand_id).where(_campaigns.c.id == campaign.id)
        ).first()
        if current is not None and current.brand_id != campaign.brand:
            raise ConflictError(f"campaign '{campaign.id}' belongs to brand '{current.brand_id}'")
        version = 1 if current is None else current.version + 1
        values = {
            "brand_id": campaign.brand,
            "version": version,
            "definition": campaign_to_dict(campaign),
            "updated_at": at,
        }
        if current is None:
            self._c.execute(insert(_campaigns).values(id=campaign.id, **values))
        else:
            self._c.execute(update(_campaigns).where(_campaigns.c.id == campaign.id).values(**values))
        self._c.execute(
            insert(_versions).values(campaign_id=campaign.id, version=version, source=source, applied_at=at)
        )
        return version

    def get(self, campaign_id: str) -> Campaign | None:
        row = self._c.execute(select(_campaigns.c.definition).where(_campaigns.c.id == campaign_id)).first()
        return campaign_from_dict(row.definition) if row else None

    def version(self, campaign_id: str) -> int | None:
        row = self._c.execute(select(_campaigns.c.version).where(_campaigns.c.id == campaign_id)).first()
        return row.version if row else None

    def list(self, brand: str | None = None) -> list[Campaign]:
        query = select(_campaigns.c.definition).order_by(_campaigns.c.id)
        if brand is not None:
            query = query.where(_campaigns.c.brand_id == brand)
        return [campaign_from_dict(r.definition) for r in self._c.execute(query)]


def campaign_to_dict(c: Campaign) -> dict[str, Any]:
    return {
        "id": c.id,
        "brand": c.brand,
        "name": c.name,
        "purpose": str(c.purpose),
        "party": str(c.party),
        "caller_id": c.caller_id,
        "countries": list(c.countries),
        "registries": list(c.registries),
        "code_of_conduct": list(c.code_of_conduct),
        "vendors": list(c.vendors),
        "limits": c.limits.to_dict(),
    }


def campaign_from_dict(d: dict[str, Any]) -> Campaign:
    return Campaign(
        id=d["id"],
        brand=d["brand"],
        name=d.get("name", ""),
        purpose=Purpose(d["purpose"]),
        party=Party(d["party"]),
        caller_id=d["caller_id"],
        countries=tuple(d["countries"]),
        registries=tuple(d["registries"]),
        code_of_conduct=tuple(d["code_of_conduct"]),
        vendors=tuple(d["vendors"]),
        limits=Limits.from_dict(d["limits"]),
    )


class SqlConsents:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def lock_head(self, brand: str) -> tuple[int, str]:
        query = select(_heads.c.seq, _heads.c.hash).where(_heads.c.brand_id == brand)
        if self._c.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._c.execute(query).first()
        if row is None:
            raise StoreError(f"brand '{brand}' has no ledger head")
        return (row.seq, row.hash)

    def append(self, wires: Sequence[Mapping[str, Any]]) -> None:
        if not wires:
            return
        sqlite = self._c.dialect.name == "sqlite"
        # One prepared statement for the lot: SQLAlchemy's per-value processing would cost as much as a
        # bulk import's sealing.
        try:
            self._c.exec_driver_sql(_INSERT_EVENT[sqlite], [_event_params(w, sqlite) for w in wires])
        except IntegrityError:
            raise ConflictError("another writer appended to this brand's ledger at the same time") from None
        last = wires[-1]
        self._c.execute(
            update(_heads)
            .where(_heads.c.brand_id == last["brand"])
            .values(seq=last["seq"], hash=last["hash"])
        )

    def for_number(self, brand: str, number: str) -> list[ConsentEvent]:
        rows = self._c.execute(
            select(_events)
            .where((_events.c.brand_id == brand) & (_events.c.number == number))
            .order_by(_events.c.seq)
        )
        return [_event(r) for r in rows]

    def for_numbers(
        self, brand: str, numbers: Sequence[str], *, source: Source | None = None
    ) -> dict[str, list[ConsentEvent]]:
        found: dict[str, list[ConsentEvent]] = {}
        for start in range(0, len(numbers), _IN_LIST):
            query = select(_events).where(
                (_events.c.brand_id == brand) & _events.c.number.in_(numbers[start : start + _IN_LIST])
            )
            if source is not None:
                query = query.where(_events.c.source == str(source))
            for row in self._c.execute(query.order_by(_events.c.number, _events.c.seq)):
                found.setdefault(row.number, []).append(_event(row))
        return found

    def iter_brand(self, brand: str) -> Iterator[ConsentEvent]:
        result = self._c.execution_options(yield_per=5000).execute(
            select(_events).where(_events.c.brand_id == brand).order_by(_events.c.seq)
        )
        for row in result:
            yield _event(row)

    def heads(self) -> dict[str, tuple[int, str]]:
        return {
            r.brand_id: (r.seq, r.hash) for r in self._c.execute(select(_heads).order_by(_heads.c.brand_id))
        }


_IN_LIST = 500  # numbers per IN (...): well under every driver's limit on parameters
_EVENT_COLUMNS = (
    "brand_id", "seq", "number", "channel", "purpose", "status", "basis", "party", "source", "captured_at",
    "recorded_at", "expires_at", "actor_agent", "actor_vendor", "evidence_sha256", "evidence_uri",
    "notice_version", "note", "prev_hash", "hash",
)  # fmt: skip
_INSERT_EVENT = {
    sqlite: insert_sql("consent_events", _EVENT_COLUMNS, sqlite=sqlite) for sqlite in (True, False)
}


def _event_params(w: Mapping[str, Any], sqlite: bool) -> tuple[Any, ...]:
    """An event's wire form as _EVENT_COLUMNS' parameters."""
    expires = w["expires_at"]
    return (
        w["brand"], w["seq"], w["number"], w["channel"], w["purpose"], w["status"], w["basis"], w["party"],
        w["source"], canonical_instant_param(w["captured_at"], sqlite),
        canonical_instant_param(w["recorded_at"], sqlite),
        None if expires is None else canonical_instant_param(expires, sqlite), w["actor_agent"],
        w["actor_vendor"], w["evidence_sha256"], w["evidence_uri"], w["notice_version"], w["note"],
        w["prev_hash"], w["hash"],
    )  # fmt: skip


def _event(r: Any) -> ConsentEvent:
    return ConsentEvent(
        seq=r.seq,
        brand=r.brand_id,
        number=r.number,
        channel=Channel(r.channel),
        purpose=r.purpose,
        status=ConsentStatus(r.status),
        basis=Basis(r.basis),
        party=Party(r.party),
        source=Source(r.source),
        captured_at=r.captured_at,
        recorded_at=r.recorded_at,
        expires_at=r.expires_at,
        actor_agent=r.actor_agent,
        actor_vendor=r.actor_vendor,
        evidence_sha256=r.evidence_sha256,
        evidence_uri=r.evidence_uri,
        notice_version=r.notice_version,
        note=r.note,
        prev_hash=r.prev_hash,
        hash=r.hash,
    )


class SqlDnc:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, entry: DncEntry, actor: str | None) -> bool:
        exists = self.get(entry.brand, entry.number) is not None
        if not exists:
            self._c.execute(
                insert(_dnc).values(
                    brand_id=entry.brand, number=entry.number, reason=entry.reason, added_at=entry.added_at
                )
            )
        self._log(entry.brand, entry.number, "add", entry.reason, actor, entry.added_at)
        return not exists

    def remove(self, brand: str, number: str, at: datetime, reason: str | None, actor: str | None) -> bool:
        gone = self._c.execute(
            delete(_dnc).where((_dnc.c.brand_id == brand) & (_dnc.c.number == number))
        ).rowcount
        if gone:
            self._log(brand, number, "remove", reason, actor, at)
        return bool(gone)

    def _log(
        self, brand: str, number: str, action: str, reason: str | None, actor: str | None, at: datetime
    ) -> None:
        self._c.execute(
            insert(_dnc_log).values(
                brand_id=brand, number=number, action=action, reason=reason, actor=actor, at=at
            )
        )

    def log(self, brand: str, number: str) -> list[DncLogEntry]:
        rows = self._c.execute(
            select(_dnc_log)
            .where((_dnc_log.c.brand_id == brand) & (_dnc_log.c.number == number))
            .order_by(_dnc_log.c.id)
        )
        return [DncLogEntry(r.brand_id, r.number, r.action, r.reason, r.actor, r.at) for r in rows]

    def get(self, brand: str, number: str) -> DncEntry | None:
        row = self._c.execute(
            select(_dnc).where((_dnc.c.brand_id == brand) & (_dnc.c.number == number))
        ).first()
        return DncEntry(row.brand_id, row.number, row.reason, row.added_at) if row else None

    def list(self, brand: str) -> list[DncEntry]:
        rows = self._c.execute(select(_dnc).where(_dnc.c.brand_id == brand).order_by(_dnc.c.number))
        return [DncEntry(r.brand_id, r.number, r.reason, r.added_at) for r in rows]


_LOCK_ATTEMPTS = text("SELECT pg_advisory_xact_lock(hashtext(:key))")


class SqlAttempts:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add_many(self, attempts: Iterable[CallAttempt], recorded_at: datetime) -> int:
        rows = [
            {
                "brand_id": a.brand,
                "campaign_id": a.campaign,
                "purpose": str(a.purpose),
                "number": a.number,
                "at": a.at,
                "outcome": str(a.outcome),
                "vendor_id": a.vendor,
                "caller_id": a.caller_id,
                "recorded_at": recorded_at,
            }
            for a in attempts
        ]
        if rows:
            if self._c.dialect.name == "postgresql":
                # a brand's attempts take their ids (a sequence) and commit one transaction at a time, so
                # they become visible in id order: the decision store's cache reads "ids after n" (fact_cache.py)
                for brand in sorted({str(r["brand_id"]) for r in rows}):
                    self._c.execute(_LOCK_ATTEMPTS, {"key": f"dialgate.attempts:{brand}"})
            self._c.execute(insert(_attempts), rows)
        return len(rows)

    def for_number(self, brand: str, number: str, since: datetime) -> list[CallAttempt]:
        rows = self._c.execute(
            select(_attempts)
            .where(
                (_attempts.c.brand_id == brand) & (_attempts.c.number == number) & (_attempts.c.at >= since)
            )
            .order_by(_attempts.c.at)
        )
        return [_attempt(r) for r in rows]

    def recorded(self, brand: str, number: str) -> list[RecordedAttempt]:
        rows = self._c.execute(
            select(_attempts)
            .where((_attempts.c.brand_id == brand) & (_attempts.c.number == number))
            .order_by(_attempts.c.at, _attempts.c.id)
        )
        return [RecordedAttempt(r.id, _attempt(r), r.recorded_at) for r in rows]

    def nearest(
        self, brand: str, number: str, *, at: datetime | None, window: timedelta, campaign: str | None
    ) -> RecordedAttempt | None:
        c = _attempts.c
        query = select(_attempts).where((c.brand_id == brand) & (c.number == number))
        if campaign is not None:
            query = query.where(c.campaign_id == campaign)
        if at is None:
            row = self._c.execute(query.order_by(c.at.desc(), c.id.desc()).limit(1)).first()
            return RecordedAttempt(row.id, _attempt(row), row.recorded_at) if row else None
        rows = list(self._c.execute(query.where((c.at >= at - window) & (c.at <= at + window))))
        if not rows:
            return None
        best = min(rows, key=lambda r: (abs(r.at - at), -r.id))
        return RecordedAttempt(best.id, _attempt(best), best.recorded_at)


def _attempt(r: Any) -> CallAttempt:
    return CallAttempt(
        brand=r.brand_id,
        campaign=r.campaign_id,
        purpose=Purpose(r.purpose),
        number=r.number,
        at=r.at,
        outcome=Outcome(r.outcome),
        vendor=r.vendor_id,
        caller_id=r.caller_id,
    )


@dataclass(frozen=True, slots=True)
class ApiKeyRecordValue:
    key_id: str
    secret_hash: str
    brand: str
    vendor: str | None
    scopes: frozenset[Scope]
    revoked: bool


class SqlApiKeys:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(
        self,
        *,
        key_id: str,
        secret_hash: str,
        brand: str,
        vendor: str | None,
        scopes: frozenset[Scope],
        name: str,
        at: datetime,
    ) -> None:
        self._c.execute(
            insert(_keys).values(
                key_id=key_id,
                secret_hash=secret_hash,
                brand_id=brand,
                vendor_id=vendor,
                scopes=" ".join(sorted(scopes)),
                name=name,
                created_at=at,
            )
        )

    def get(self, key_id: str) -> ApiKeyRecordValue | None:
        r = self._c.execute(select(_keys).where(_keys.c.key_id == key_id)).first()
        if r is None:
            return None
        return ApiKeyRecordValue(
            r.key_id,
            r.secret_hash,
            r.brand_id,
            r.vendor_id,
            frozenset(Scope(s) for s in r.scopes.split()),
            r.revoked_at is not None,
        )
