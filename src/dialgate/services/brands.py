"""Brands (tenants): every other use case refuses an unknown brand."""

from __future__ import annotations

from dialgate.domain.model import Brand, check_slug
from dialgate.errors import NotFoundError
from dialgate.services.ports import UnitOfWork
from dialgate.services.runtime import Runtime


def add_brand(rt: Runtime, brand_id: str, name: str | None = None) -> Brand:
    brand = Brand(
        id=check_slug(brand_id, "brand"), name=(name or brand_id).strip(), created_at=rt.clock.now()
    )
    with rt.uow(write=True) as uow:
        uow.brands.add(brand)
        uow.commit()
    return brand


def list_brands(rt: Runtime) -> list[Brand]:
    with rt.uow() as uow:
        return uow.brands.list()


def require_brand(uow: UnitOfWork, brand_id: str) -> Brand:
    brand = uow.brands.get(brand_id)
    if brand is None:
        raise NotFoundError(
            f"unknown brand '{brand_id}'; create it first with: dialgate brand add {brand_id}"
        ).at(field="brand")
    return brand
