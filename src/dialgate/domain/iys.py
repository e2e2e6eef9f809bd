"""İYS (Turkey's İleti Yönetim Sistemi) movement records, and the validation rules İYS itself enforces.

A daily movement file lists consent changes per brand: creationDate, transactionId, recipient,
recipientType, type, status, consentDate, source. dialgate turns each into a consent event with source
`registry`, refusing what İYS would refuse (shared/research/rules.md §1a, "İzin Doğrulama Kuralları"):

1. consentDate must be later than the existing record's, per (brand, recipient, recipientType, type);
2. no ONAY after ONAY, no RET after RET;
3. consentDate not before 2015-05-01 00:00:00, exactly that instant for source HS_2015, never in the future.

Not applied to İYS's own data: the rule that a recipient's first record cannot be RET. A movement file
covers recent days only, so a RET often refuses an ONAY older than dialgate's history; refusing the file
would lose the refusal. Nor rule 5 (back-dating by at most 3 business days) and rule 6 (no IYS_* source),
which bind a provider's uploads, not İYS's movement data, which carries citizen changes with IYS_* sources.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from dialgate.domain.timeutil import utc
from dialgate.domain.vocabulary import Channel, ConsentStatus, Party
from dialgate.errors import InputError

TURKEY = ZoneInfo("Europe/Istanbul")
IYS_EPOCH = datetime(2015, 5, 1, tzinfo=TURKEY)  # Law 6563 in force; HS_2015 consents date from it
IYS_COLUMNS = (
    "creationdate", "transactionid", "recipient", "recipienttype", "type", "status", "consentdate", "source",
)  # fmt: skip
CHANNELS = {"ARAMA": Channel.CALL, "MESAJ": Channel.SMS, "EPOSTA": Channel.EMAIL}
PARTIES = {"BIREYSEL": Party.CONSUMER, "TACIR": Party.BUSINESS}
STATUSES = {"ONAY": ConsentStatus.GRANTED, "RET": ConsentStatus.REVOKED}


@dataclass(frozen=True, slots=True)
class IysMovement:
    recipient: str  # as written (E.164 "+90…" for phone channels)
    party: Party
    channel: Channel
    status: ConsentStatus
    consent_at: datetime  # UTC
    source: str
    transaction_id: str
    created: str

    @property
    def is_phone(self) -> bool:
        return self.channel is not Channel.EMAIL


@dataclass(frozen=True, slots=True)
class IysState:
    """The latest record İYS holds for one (brand, recipient, recipientType, type)."""

    status: ConsentStatus
    consent_at: datetime


def parse_iys_time(text: str, field: str) -> datetime:
    """'YYYY-MM-DD HH:mm:ss' in Turkish time (also with a T, or with milliseconds) -> UTC."""
    value = text.strip().replace("T", " ")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"'{text}' is not an İYS time such as 2026-11-23 14:05:00").at(field=field) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TURKEY)
    return utc(moment)


def parse_movement(fields: Mapping[str, str | None]) -> IysMovement:
    def get(name: str) -> str:
        return (fields.get(name) or "").strip()

    kind = get("type").upper()
    if kind not in CHANNELS:
        raise InputError(f"type '{get('type')}' is not ARAMA, MESAJ or EPOSTA").at(field="type")
    party_text = get("recipienttype").upper()
    if party_text not in PARTIES:
        raise InputError(f"recipientType '{get('recipienttype')}' is not BIREYSEL or TACIR").at(
            field="recipientType"
        )
    status_text = get("status").upper()
    if status_text not in STATUSES:
        raise InputError(f"status '{get('status')}' is not ONAY or RET").at(field="status")
    if not get("recipient"):
        raise InputError("recipient is empty").at(field="recipient")
    party = PARTIES[party_text]
    consent_text = get("consentdate")
    if consent_text:
        consent_at = parse_iys_time(consent_text, "consentDate")
    elif party is Party.BUSINESS and get("creationdate"):
        # İYS does not require consentDate for traders (TACIR): the record's creation time stands in.
        consent_at = parse_iys_time(get("creationdate"), "creationDate")
    else:
        raise InputError("consentDate is empty (only TACIR records may omit it)").at(field="consentDate")
    return IysMovement(
        recipient=get("recipient"),
        party=party,
        channel=CHANNELS[kind],
        status=STATUSES[status_text],
        consent_at=consent_at,
        source=get("source").upper(),
        transaction_id=get("transactionid"),
        created=get("creationdate"),
    )


def check_movement(movement: IysMovement, held: IysState | None, now: datetime) -> None:
    """Raise InputError (naming the field) when İYS's own rules refuse this record after `held`."""
    at = movement.consent_at
    if at < IYS_EPOCH:
        raise InputError(f"consentDate {_tr(at)} is before 2015-05-01 00:00:00, when İYS consents begin").at(
            field="consentDate"
        )
    if movement.source == "HS_2015" and at != IYS_EPOCH:
        raise InputError(
            f"source HS_2015 requires consentDate 2015-05-01 00:00:00 exactly, not {_tr(at)}"
        ).at(field="consentDate")
    if at > now:
        raise InputError(f"consentDate {_tr(at)} is in the future (now is {_tr(now)})").at(
            field="consentDate"
        )
    if held is None:  # a RET too: the ONAY it refuses may be older than what dialgate holds
        return
    if at <= held.consent_at:
        raise InputError(
            f"consentDate {_tr(at)} is not later than the existing record's {_tr(held.consent_at)}"
        ).at(field="consentDate")
    if movement.status is held.status:
        word = "ONAY" if held.status is ConsentStatus.GRANTED else "RET"
        raise InputError(f"{word} after {word}: İYS refuses a record that changes nothing").at(field="status")


def _tr(moment: datetime) -> str:
    return moment.astimezone(TURKEY).strftime("%Y-%m-%d %H:%M:%S")
