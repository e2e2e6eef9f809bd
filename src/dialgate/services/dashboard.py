"""What the staff dashboard shows, scoped to who is looking (services/staff.Viewer).

Every function takes the viewer and reads only the viewer's brand. A vendor viewer sees what concerns
its vendor: the decisions it asked for, the requests recorded for it, the consent events it captured,
its own webhook, and the campaigns it may call for. The current consent state and do-not-call listing of
a number are shown to vendors too: the change feed sends them those already.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np

from dialgate.domain.audit import DayCount, DecisionRecord, Tally, days_between, fill_days
from dialgate.domain.campaign import Campaign
from dialgate.domain.consent import CallKey, ChainBreak, ConsentEvent, fold_for_calls, verify_chain
from dialgate.domain.model import DncEntry, DncLogEntry, RecordedAttempt, Vendor
from dialgate.domain.numbers import PhoneNumber, e164_key, parse_number
from dialgate.domain.registry import (
    NO_DATE,
    SnapshotRecord,
    check_register_name,
    from_day_number,
    known_register,
)
from dialgate.domain.requests import ConsumerRequest, RequestStatus
from dialgate.domain.rules.base import Rule
from dialgate.domain.rules.engine import registers_in_force, rules_in_force
from dialgate.domain.rules.packs import PACKS
from dialgate.domain.scrub_jobs import JobStatus, ScrubJob
from dialgate.domain.staff import StaffUser, Viewer
from dialgate.domain.webhooks import VendorFeedStatus
from dialgate.errors import NotFoundError, PermissionDeniedError
from dialgate.services import registry, scrub_jobs
from dialgate.services import requests as request_service
from dialgate.services.ports import RequestFilter
from dialgate.services.runtime import Runtime
from dialgate.services.webhooks import vendor_status

CHART_DAYS = 30
SOON = timedelta(hours=48)
# A day's counts are rolled up once it has been over this long: the decision log writes in the
# background, within a second; an hour leaves room for a slow store.
SETTLED_AFTER = timedelta(hours=1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


# --- overview -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    now: datetime
    today: Tally  # decisions evaluated since midnight UTC
    days: list[DayCount]  # one per UTC day, the last CHART_DAYS days up to today
    overdue: list[ConsumerRequest]
    due_soon: list[ConsumerRequest]
    open_requests: int
    vendors: list[VendorFeedStatus]
    registers: list[registry.RegisterStatus]


def overview(rt: Runtime, viewer: Viewer) -> Overview:
    now = rt.clock.now()
    today = now.astimezone(UTC).date()
    first = today - timedelta(days=CHART_DAYS - 1)
    tomorrow = _midnight(today + timedelta(days=1))
    with rt.uow() as uow:
        tally = uow.audit.tally(viewer.brand, _midnight(today), tomorrow, viewer.vendor)
        open_ones = uow.requests.find(
            RequestFilter(brand=viewer.brand, status=RequestStatus.OPEN, vendor=viewer.vendor)
        )
    open_ones.sort(key=lambda r: (r.due_at, r.id))
    return Overview(
        now=now,
        today=tally,
        days=decisions_per_day(rt, viewer, first, today),
        overdue=[r for r in open_ones if r.overdue(now)],
        due_soon=[r for r in open_ones if not r.overdue(now) and r.due_at - now <= SOON],
        open_requests=len(open_ones),
        vendors=vendors_status(rt, viewer),
        registers=registers(rt),
    )


def registers(rt: Runtime) -> list[registry.RegisterStatus]:
    """The registers in force (shared by every brand), the stalest first."""
    found = registry.list_registers(rt)
    return sorted(
        found, key=lambda r: (r.days_left if r.days_left is not None else 10**6, r.record.info.name)
    )


@dataclass(frozen=True)
class RegisterPage:
    name: str
    status: registry.RegisterStatus | None  # None: no snapshot in force
    history: list[SnapshotRecord]  # every snapshot imported, newest first


def register_page(rt: Runtime, name: str) -> RegisterPage:
    history = sorted(registry.snapshot_history(rt, name), key=lambda r: r.info.imported_at, reverse=True)
    clean = check_register_name(name)
    status = next((r for r in registers(rt) if r.record.info.name == clean), None)
    return RegisterPage(clean, status, history)


def decisions_per_day(rt: Runtime, viewer: Viewer, first: date, last: date) -> list[DayCount]:
    """Allowed and blocked decisions per UTC day. Days that are over are counted once and kept (table
    `decision_days`); only the days still open are counted from the decisions each time."""
    now = rt.clock.now()
    settled_until = min(last, (now - SETTLED_AFTER).astimezone(UTC).date() - timedelta(days=1))
    brand, vendor = viewer.brand, viewer.vendor
    with rt.uow() as uow:
        kept = uow.audit.rolled_up(brand, vendor, first, settled_until) if settled_until >= first else []
        have = {d.day for d in kept}
        missing = [d for d in days_between(first, settled_until) if d not in have]
        counted: list[DayCount] = []
        if missing:  # the first visit of the month, and then one day at a time
            since, until = _midnight(missing[0]), _midnight(missing[-1] + timedelta(days=1))
            counted = fill_days(missing[0], missing[-1], uow.audit.per_day(brand, since, until, vendor))
            counted = [d for d in counted if d.day not in have]
        start = max(first, settled_until + timedelta(days=1))
        live = (
            uow.audit.per_day(brand, _midnight(start), _midnight(last + timedelta(days=1)), vendor)
            if start <= last
            else []
        )
    if counted:
        with rt.uow(write=True) as uow:
            uow.audit.roll_up(brand, vendor, counted, now)
            uow.commit()
    return fill_days(first, last, [*kept, *counted, *live])


def vendors_status(rt: Runtime, viewer: Viewer) -> list[VendorFeedStatus]:
    return [s for s in vendor_status(rt, viewer.brand) if viewer.sees_vendor(s.vendor)]


# --- a number -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainCheck:
    brand: str
    events: int
    broken: ChainBreak | None
    checked_at: datetime

    @property
    def intact(self) -> bool:
        return self.broken is None


def chain_length(rt: Runtime, brand: str) -> int:
    with rt.uow() as uow:
        head = uow.consents.heads().get(brand)
    return head[0] if head else 0


def verify_brand_chain(rt: Runtime, brand: str) -> ChainCheck:
    """Recompute the brand's whole consent chain against its stored head."""
    with rt.uow() as uow:
        head = uow.consents.heads().get(brand)
        broken = verify_chain(brand, uow.consents.iter_brand(brand), head)
    return ChainCheck(brand, head[0] if head else 0, broken, rt.clock.now())


@dataclass(frozen=True)
class NumberPage:
    number: PhoneNumber
    state: list[tuple[CallKey, ConsentEvent]]  # what a check reads, per party called
    history: list[ConsentEvent]  # newest first
    evidence_stored: frozenset[str]  # evidence hashes whose file is in the store (downloadable)
    dnc: DncEntry | None
    dnc_log: list[DncLogEntry]
    decisions: list[DecisionRecord]
    requests: list[ConsumerRequest]
    attempts: list[RecordedAttempt]
    registers: list[RegisterHit] = field(default_factory=list)
    hidden_history: int = 0  # events a vendor viewer does not see (captured by someone else)


@dataclass(frozen=True)
class RegisterHit:
    """A register that concerns the number (its country's, or a private list) and what it says of it."""

    status: registry.RegisterStatus
    listed: bool
    listed_on: date | None  # when the register says the number was listed, if it says


def register_hits(rt: Runtime, number: PhoneNumber) -> list[RegisterHit]:
    """Look the number up in every register in force that concerns its country."""
    key = np.array([e164_key(number.e164)], dtype=np.uint64)
    out = []
    for status in registers(rt):
        known = known_register(status.record.info.name)
        if known is not None and known.country != number.jurisdiction:
            continue
        snapshot = rt.registers.current(status.record.info.name)
        if snapshot is None:
            continue
        hits = snapshot.lookup(key)
        listed_on = int(hits.listed_on[0])
        out.append(
            RegisterHit(
                status, bool(hits.member[0]), from_day_number(listed_on) if listed_on != NO_DATE else None
            )
        )
    return out


def number_page(rt: Runtime, viewer: Viewer, raw: str, region: str | None = None) -> NumberPage:
    number = parse_number(raw, region)
    e164 = number.e164
    with rt.uow() as uow:
        events = uow.consents.for_number(viewer.brand, e164)
        dnc = uow.dnc.get(viewer.brand, e164)
        dnc_log = uow.dnc.log(viewer.brand, e164)
        decisions = uow.audit.for_number(viewer.brand, e164, 20, viewer.vendor)
        found = uow.requests.find(RequestFilter(brand=viewer.brand, number=e164, vendor=viewer.vendor))
        attempts = [
            a for a in uow.attempts.recorded(viewer.brand, e164) if viewer.sees_vendor(a.attempt.vendor)
        ]
    state = list(fold_for_calls(events).items())
    visible = [e for e in events if viewer.sees_vendor(e.actor_vendor)]
    stored = frozenset(
        e.evidence_sha256 for e in visible if e.evidence_sha256 and rt.evidence.path_of(e.evidence_sha256)
    )
    return NumberPage(
        number=number,
        state=state,
        history=sorted(visible, key=lambda e: e.seq, reverse=True),
        evidence_stored=stored,
        dnc=dnc,
        dnc_log=[] if viewer.vendor else dnc_log,
        decisions=decisions,
        requests=sorted(found, key=lambda r: r.received_at, reverse=True),
        attempts=list(reversed(attempts[-50:])),
        registers=register_hits(rt, number),
        hidden_history=len(events) - len(visible),
    )


def evidence_file(rt: Runtime, viewer: Viewer, raw: str, sha256: str) -> Path:
    """The evidence file of one of the number's consent events, if the viewer may see that event."""
    e164 = parse_number(raw).e164
    sha = sha256.strip().lower()
    with rt.uow() as uow:
        events = uow.consents.for_number(viewer.brand, e164)
    if not any(e.evidence_sha256 == sha and viewer.sees_vendor(e.actor_vendor) for e in events):
        raise NotFoundError(f"no evidence {sha} on the consent events of {e164}")
    path = rt.evidence.path_of(sha)
    if path is None:
        raise NotFoundError(f"the evidence file {sha} is missing from the data directory")
    return path


# --- campaigns ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleView:
    rule: str  # "<prefix>.<rule id>", as reasons name it
    summary: str
    law: str
    firmness: str
    effective_from: date | None
    effective_until: date | None
    codes: tuple[str, ...]
    kind: str  # "check" or "window"


@dataclass(frozen=True)
class CountryRules:
    country: str
    name: str
    pack_version: str
    rules: list[RuleView]
    registers: tuple[str, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class CampaignPage:
    campaign: Campaign
    at: datetime
    countries: list[CountryRules]
    vendors: list[Vendor] = field(default_factory=list)


def visible_campaigns(rt: Runtime, viewer: Viewer) -> list[Campaign]:
    with rt.uow() as uow:
        found = uow.campaigns.list(viewer.brand)
    return [c for c in found if _may_call_for(viewer, c)]


def _may_call_for(viewer: Viewer, campaign: Campaign) -> bool:
    return viewer.vendor is None or not campaign.vendors or viewer.vendor in campaign.vendors


def campaign(rt: Runtime, viewer: Viewer, campaign_id: str) -> Campaign:
    with rt.uow() as uow:
        found = uow.campaigns.get(campaign_id)
    if found is None or found.brand != viewer.brand or not _may_call_for(viewer, found):
        raise NotFoundError(f"unknown campaign '{campaign_id}'").at(field="campaign")
    return found


def campaign_page(rt: Runtime, viewer: Viewer, campaign_id: str) -> CampaignPage:
    """The rules in force now for each destination country of the campaign, read from the packs."""
    found = campaign(rt, viewer, campaign_id)
    at = rt.clock.now()
    countries = []
    for code in found.countries:
        pack = PACKS.get(code)
        if pack is None:
            continue
        rules = [_rule_view(prefix, rule) for prefix, rule in rules_in_force(found, pack, at)]
        countries.append(
            CountryRules(
                code, pack.name, pack.version, rules, registers_in_force(found, pack, at), pack.notes
            )
        )
    with rt.uow() as uow:
        vendors = uow.vendors.list(viewer.brand)
    vendors = [
        v for v in vendors if viewer.sees_vendor(v.id) and (not found.vendors or v.id in found.vendors)
    ]
    return CampaignPage(found, at, countries, vendors)


def _rule_view(prefix: str, rule: Rule) -> RuleView:
    return RuleView(
        rule=f"{prefix}.{rule.id}",
        summary=rule.summary,
        law=rule.law,
        firmness=rule.firmness,
        effective_from=rule.effective_from,
        effective_until=rule.effective_until,
        codes=tuple(str(c) for c in rule.codes),
        kind="window" if rule.window is not None else "check",
    )


# --- requests -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestQueue:
    now: datetime
    open: list[ConsumerRequest]  # by due instant, soonest first
    closed: list[ConsumerRequest]  # received in the last `closed_days`, latest first


def request_queue(rt: Runtime, viewer: Viewer, closed_days: int = 14) -> RequestQueue:
    now = rt.clock.now()
    with rt.uow() as uow:
        open_ones = uow.requests.find(
            RequestFilter(brand=viewer.brand, status=RequestStatus.OPEN, vendor=viewer.vendor)
        )
        closed = uow.requests.find(
            RequestFilter(
                brand=viewer.brand,
                status=RequestStatus.CLOSED,
                vendor=viewer.vendor,
                received_from=now - timedelta(days=closed_days),
            )
        )
    open_ones.sort(key=lambda r: (r.due_at, r.id))
    closed.sort(key=lambda r: (r.closed_at or r.received_at, r.id), reverse=True)
    return RequestQueue(now, open_ones, closed[:200])


def request_detail(rt: Runtime, viewer: Viewer, ref: str) -> request_service.RequestView:
    view = request_service.show_request(rt, ref, brand=viewer.brand)
    if not viewer.sees_vendor(view.request.vendor):
        raise NotFoundError(f"no request '{ref}'")
    return view


def close_request(rt: Runtime, viewer: Viewer, ref: str, resolution: str) -> ConsumerRequest:
    if not viewer.role.closes_requests:
        raise PermissionDeniedError("vendor viewers cannot close requests")
    request_detail(rt, viewer, ref)
    return request_service.close_request(
        rt, ref, resolution, brand=viewer.brand, actor=f"user:{viewer.username}"
    )


# --- vendors and users ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VendorRow:
    vendor: Vendor
    accredited_today: bool
    feed: VendorFeedStatus | None


def vendors_page(rt: Runtime, viewer: Viewer) -> list[VendorRow]:
    today = rt.clock.now().astimezone(UTC).date()
    with rt.uow() as uow:
        vendors = [v for v in uow.vendors.list(viewer.brand) if viewer.sees_vendor(v.id)]
    feeds = {s.vendor: s for s in vendors_status(rt, viewer)}
    return [VendorRow(v, v.accredited_on(today), feeds.get(v.id)) for v in vendors]


def users_page(rt: Runtime, viewer: Viewer) -> list[StaffUser]:
    if not viewer.is_admin:
        raise PermissionDeniedError("only admins see the brand's users")
    with rt.uow() as uow:
        return uow.users.list(viewer.brand)


# --- scrub jobs -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScrubView:
    """A scrub job as the page shows it: progress, counts so far (or final), reasons by frequency."""

    job: ScrubJob
    result_until: datetime | None  # when the result stops (or stopped) being downloadable
    result_available: bool

    @classmethod
    def of(cls, rt: Runtime, job: ScrubJob, now: datetime) -> ScrubView:
        job = scrub_jobs.as_reported(job, now)
        keep = rt.scrub_result_keep
        return cls(job, job.result_until(keep), job.result_available(now, keep))

    @property
    def done(self) -> bool:
        return self.job.status is JobStatus.DONE

    @property
    def finished(self) -> bool:
        return self.job.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def fraction(self) -> float:
        if self.done:
            return 1.0
        return self.job.bytes_done / self.job.bytes_total if self.job.bytes_total else 0.0

    def _count(self, key: str) -> int:
        return int((self.job.summary or {}).get(key, 0) or 0)

    @property
    def rows(self) -> int:
        return self._count("rows") or self.job.rows

    @property
    def allowed(self) -> int:
        return self._count("allowed")

    @property
    def blocked(self) -> int:
        return self._count("blocked")

    @property
    def reasons(self) -> list[tuple[str, int]]:
        found = (self.job.summary or {}).get("reasons") or {}
        return sorted(((str(k), int(v)) for k, v in found.items()), key=lambda kv: (-kv[1], kv[0]))

    @property
    def unreadable(self) -> int:
        found: dict[str, int] = (self.job.summary or {}).get("unreadable") or {}  # problem -> rows
        return sum(int(v) for v in found.values())


def _scrubs_allowed(viewer: Viewer) -> None:
    # Jobs are kept per brand, not per vendor: a vendor viewer would see every call centre's lists.
    if viewer.vendor is not None:
        raise PermissionDeniedError("scrub jobs belong to the brand: vendor viewers do not see them")


def scrub_list(rt: Runtime, viewer: Viewer, limit: int = 50) -> list[ScrubView]:
    _scrubs_allowed(viewer)
    with rt.uow() as uow:
        found = uow.scrub_jobs.recent(viewer.brand, limit)
    now = rt.clock.now()
    return [ScrubView.of(rt, j, now) for j in found]


def scrub_job(rt: Runtime, viewer: Viewer, job_id: str) -> ScrubView:
    _scrubs_allowed(viewer)
    return ScrubView.of(rt, scrub_jobs.get_scrub_job(rt, viewer.brand, job_id), rt.clock.now())


def submit_scrub(
    rt: Runtime, viewer: Viewer, campaign_id: str, chunks: Iterable[bytes], options: dict[str, str | None]
) -> ScrubJob:
    """Queue a scrub of an uploaded list for one of the brand's campaigns (the caller runs the job)."""
    _scrubs_allowed(viewer)
    campaign(rt, viewer, campaign_id)
    return scrub_jobs.submit_scrub(
        rt, brand=viewer.brand, campaign=campaign_id, chunks=chunks, options=options
    )


def scrub_result(rt: Runtime, viewer: Viewer, job_id: str) -> Path:
    _scrubs_allowed(viewer)
    return scrub_jobs.scrub_result(rt, viewer.brand, job_id)
