"""Call attempts (call detail records). A refusal during the call is an opt-out, recorded at once: a
revocation in the ledger and an opt-out request, opened and closed in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dialgate.domain.campaign import Campaign
from dialgate.domain.consent import ConsentDraft
from dialgate.domain.model import CallAttempt
from dialgate.domain.numbers import parse_number
from dialgate.domain.timeutil import format_instant, parse_instant
from dialgate.domain.vocabulary import (
    ALL_PURPOSES,
    Basis,
    Channel,
    ConsentStatus,
    Outcome,
    Source,
    parse_enum,
)
from dialgate.errors import InputError, NotFoundError
from dialgate.services.consent import append_drafts
from dialgate.services.imports import ImportReport, InputRow, RowError, bulk_e164, chunks
from dialgate.services.ports import UnitOfWork
from dialgate.services.requests import record_refusal
from dialgate.services.runtime import Runtime


@dataclass(frozen=True)
class AttemptInput:
    number: str
    campaign: str
    at: str
    outcome: str
    vendor: str | None = None
    caller_id: str | None = None
    region: str | None = None


def _campaign(
    rt: Runtime, campaign_id: str, cache: dict[str, Campaign | None], brand: str | None = None
) -> Campaign:
    if campaign_id not in cache:  # an import reads each campaign once
        with rt.uow() as uow:
            cache[campaign_id] = uow.campaigns.get(campaign_id)
    campaign = cache[campaign_id]
    if campaign is None or (brand is not None and campaign.brand != brand):
        raise NotFoundError(f"unknown campaign '{campaign_id}'").at(field="campaign")
    return campaign


def _attempt(rt: Runtime, data: AttemptInput, campaign: Campaign, e164: str | None = None) -> CallAttempt:
    """`e164`: the number already parsed by the caller (imports parse a chunk's numbers in bulk)."""
    at = parse_instant(data.at, "at")
    if at > rt.clock.now() + rt.clock_skew:
        raise InputError(f"{format_instant(at)} is in the future: record attempts after they happen").at(
            field="at"
        )
    return CallAttempt(
        brand=campaign.brand,
        campaign=campaign.id,
        purpose=campaign.purpose,
        number=e164 or parse_number(data.number, data.region).e164,
        at=at,
        outcome=parse_enum(Outcome, data.outcome, "outcome"),
        vendor=data.vendor or None,
        caller_id=data.caller_id or None,
        party=campaign.party,
    )


def refusal_revocation(attempt: CallAttempt) -> ConsentDraft:
    """The callee said no: a revocation for every purpose, captured when they said it."""
    return ConsentDraft(
        brand=attempt.brand,
        number=attempt.number,
        channel=Channel.CALL,
        purpose=ALL_PURPOSES,
        status=ConsentStatus.REVOKED,
        basis=Basis.CONSENT,
        party=attempt.party,  # a business refusing speaks as the business the campaign called
        source=Source.AGENT,
        captured_at=attempt.at,
        actor_vendor=attempt.vendor,
        note=f"refused during a call of campaign {attempt.campaign}",
    )


def _store(uow: UnitOfWork, attempts: list[CallAttempt], rt: Runtime) -> None:
    now = rt.clock.now()
    uow.attempts.add_many(attempts, now)
    for attempt in attempts:
        if attempt.outcome is Outcome.REFUSED:
            (revocation,) = append_drafts(uow, [refusal_revocation(attempt)], now)
            record_refusal(uow, rt, attempt, revocation, now)


def record_attempt(rt: Runtime, data: AttemptInput, *, brand: str | None = None) -> CallAttempt:
    """Record one call. With `brand`, a campaign of another brand is treated as unknown."""
    attempt = _attempt(rt, data, _campaign(rt, data.campaign, {}, brand))
    with rt.uow(write=True) as uow:
        _store(uow, [attempt], rt)
        uow.commit()
    return attempt


def import_attempts(rt: Runtime, rows: Iterable[InputRow], *, file: str) -> ImportReport:
    report = ImportReport()
    campaigns: dict[str, Campaign | None] = {}
    batch: list[CallAttempt] = []

    def flush() -> None:
        if batch:
            with rt.uow(write=True) as uow:
                _store(uow, batch, rt)
                uow.commit()
            report.accepted += len(batch)
            batch.clear()

    for chunk in chunks(rows, rt.import_batch_size):
        for row, e164 in zip(chunk, bulk_e164(rt, chunk), strict=True):
            line, fields = row.line, row.fields
            if row.problem is not None:
                report.rejected.append(RowError(line, f"{file}:{line}: {row.problem}", fields))
                continue
            try:
                data = AttemptInput(
                    number=(fields.get("number") or "").strip(),
                    campaign=(fields.get("campaign") or "").strip(),
                    at=(fields.get("at") or "").strip(),
                    outcome=(fields.get("outcome") or "").strip(),
                    vendor=(fields.get("vendor") or "").strip() or None,
                    caller_id=(fields.get("caller_id") or "").strip() or None,
                    region=(fields.get("region") or "").strip() or None,
                )
                for name in ("number", "campaign", "at", "outcome"):
                    if not getattr(data, name):
                        raise InputError("is required").at(field=name)
                batch.append(_attempt(rt, data, _campaign(rt, data.campaign, campaigns), e164))
            except (InputError, NotFoundError) as exc:
                exc.at(file=file, line=line)
                report.rejected.append(RowError(line, str(exc), fields))
                continue
            if len(batch) >= rt.import_batch_size:
                flush()
    flush()
    return report
