"""Campaigns from TOML files (CONTRACT section 6)."""

from __future__ import annotations

from collections.abc import Collection

from dialgate.domain.campaign import Campaign, parse_campaign_toml
from dialgate.errors import NotFoundError
from dialgate.services.brands import require_brand
from dialgate.services.runtime import Runtime

# The nine day-one packs. The decision issue moves this next to the packs themselves.
SUPPORTED_COUNTRIES: Collection[str] = ("TR", "IT", "DE", "PL", "BR", "FR", "US", "GB", "ES")


def apply_campaign(rt: Runtime, text: str, *, file: str) -> tuple[Campaign, int]:
    campaign = parse_campaign_toml(text, file=file, supported_countries=SUPPORTED_COUNTRIES)
    with rt.uow(write=True) as uow:
        try:
            require_brand(uow, campaign.brand)
        except NotFoundError as exc:
            raise exc.at(file=file) from None
        version = uow.campaigns.upsert(campaign, text, rt.clock.now())
        uow.commit()
    return campaign, version


def get_campaign(rt: Runtime, campaign_id: str) -> Campaign:
    with rt.uow() as uow:
        campaign = uow.campaigns.get(campaign_id)
    if campaign is None:
        raise NotFoundError(
            f"unknown campaign '{campaign_id}'; create it with: dialgate campaign apply FILE.toml"
        ).at(field="campaign")
    return campaign


def list_campaigns(rt: Runtime, brand: str | None = None) -> list[Campaign]:
    with rt.uow() as uow:
        return uow.campaigns.list(brand)
