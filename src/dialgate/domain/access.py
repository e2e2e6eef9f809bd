"""API keys: who is calling, for which brand, with which scopes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dialgate.errors import PermissionDeniedError


class Scope(StrEnum):
    CHECK = "check"
    CONSENT_READ = "consent:read"
    CONSENT_WRITE = "consent:write"
    REGISTRY_WRITE = "registry:write"
    REQUESTS = "requests"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Principal:
    """The holder of an API key. A key belongs to one brand and never sees another brand's data."""

    key_id: str
    brand: str
    vendor: str | None
    scopes: frozenset[Scope]

    def require(self, scope: Scope) -> None:
        if scope not in self.scopes and Scope.ADMIN not in self.scopes:
            raise PermissionDeniedError(f"this API key lacks the '{scope}' scope")

    def require_brand(self, brand: str) -> None:
        if brand != self.brand:
            raise PermissionDeniedError(f"this API key belongs to brand '{self.brand}', not '{brand}'")
