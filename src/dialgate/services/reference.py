"""Campaigns and vendors change rarely and are read on every check: a short-lived in-process cache.

Changes to a campaign file or a vendor's accreditation reach every worker within `ttl_s` (1 s).
Consents, do-not-call entries and attempts are never cached (see adapters/db/decision_store.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from dialgate.domain.campaign import Campaign
from dialgate.domain.model import Vendor
from dialgate.errors import NotFoundError
from dialgate.services.ports import UnitOfWorkFactory


@dataclass
class ReferenceCache:
    uow: UnitOfWorkFactory
    ttl_s: float = 1.0
    _campaigns: dict[str, tuple[float, Campaign | None, int | None]] = field(default_factory=dict)
    _vendors: dict[tuple[str, str], tuple[float, Vendor | None]] = field(default_factory=dict)

    def campaign(self, campaign_id: str) -> tuple[Campaign, int]:
        now = time.monotonic()
        hit = self._campaigns.get(campaign_id)
        if hit is None or hit[0] < now:
            with self.uow() as uow:
                found = uow.campaigns.get(campaign_id)
                version = uow.campaigns.version(campaign_id)
            hit = (now + self.ttl_s, found, version)
            self._campaigns[campaign_id] = hit
        _, campaign, version = hit
        if campaign is None or version is None:
            raise NotFoundError(f"unknown campaign '{campaign_id}'").at(field="campaign")
        return campaign, version

    def vendor(self, brand: str, vendor_id: str) -> Vendor | None:
        now = time.monotonic()
        key = (brand, vendor_id)
        hit = self._vendors.get(key)
        if hit is None or hit[0] < now:
            with self.uow() as uow:
                hit = (now + self.ttl_s, uow.vendors.get(brand, vendor_id))
            self._vendors[key] = hit
        return hit[1]
