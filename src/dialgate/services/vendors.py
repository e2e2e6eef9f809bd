"""Vendors: the call centres that place calls for a brand, and their accreditation."""

from __future__ import annotations

from datetime import date

from dialgate.domain.model import Vendor, check_slug
from dialgate.services.brands import require_brand
from dialgate.services.runtime import Runtime


def apply_vendor(
    rt: Runtime,
    *,
    brand: str,
    vendor_id: str,
    accredited: bool = True,
    until: date | None = None,
    name: str | None = None,
) -> Vendor:
    vendor = Vendor(
        brand=brand,
        id=check_slug(vendor_id, "id"),
        name=(name or vendor_id).strip(),
        accredited=accredited,
        accredited_until=until,
    )
    with rt.uow(write=True) as uow:
        require_brand(uow, brand)
        uow.vendors.upsert(vendor, rt.clock.now())
        uow.commit()
    return vendor


def list_vendors(rt: Runtime, brand: str) -> list[Vendor]:
    with rt.uow() as uow:
        require_brand(uow, brand)
        return uow.vendors.list(brand)
