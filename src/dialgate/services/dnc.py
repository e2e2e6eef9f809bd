"""The brand's internal do-not-call list. An entry blocks at once in every pack."""

from __future__ import annotations

from dialgate.domain.model import DncEntry
from dialgate.domain.numbers import parse_number
from dialgate.services.brands import require_brand
from dialgate.services.feed import dnc_changed
from dialgate.services.runtime import Runtime


def add_dnc(
    rt: Runtime,
    brand: str,
    raw_number: str,
    *,
    reason: str | None = None,
    region: str | None = None,
    actor: str | None = None,
) -> tuple[DncEntry, bool]:
    entry = DncEntry(
        brand=brand, number=parse_number(raw_number, region).e164, reason=reason, added_at=rt.clock.now()
    )
    with rt.uow(write=True) as uow:
        require_brand(uow, brand)
        created = uow.dnc.add(entry, actor)
        if created:
            uow.feed.publish(dnc_changed(entry, added=True, at=entry.added_at, actor=actor))
        uow.commit()
    return entry, created


def remove_dnc(
    rt: Runtime,
    brand: str,
    raw_number: str,
    *,
    reason: str | None = None,
    region: str | None = None,
    actor: str | None = None,
) -> bool:
    number = parse_number(raw_number, region).e164
    now = rt.clock.now()
    with rt.uow(write=True) as uow:
        require_brand(uow, brand)
        removed = uow.dnc.remove(brand, number, now, reason, actor)
        if removed:
            entry = DncEntry(brand=brand, number=number, reason=reason, added_at=now)
            uow.feed.publish(dnc_changed(entry, added=False, at=now, actor=actor))
        uow.commit()
    return removed


def list_dnc(rt: Runtime, brand: str) -> list[DncEntry]:
    with rt.uow() as uow:
        require_brand(uow, brand)
        return uow.dnc.list(brand)
