"""API keys: created once and shown once; stored as a hash; checked on every request."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

from dialgate.domain.access import Principal, Scope
from dialgate.domain.vocabulary import parse_enum
from dialgate.errors import AuthenticationError, InputError, NotFoundError
from dialgate.services.brands import require_brand
from dialgate.services.runtime import Runtime

PREFIX = "dg_"


def _hash(secret: str) -> str:
    # The secret has 256 bits of entropy: a fast hash is enough, and the hot path stays fast.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(
    rt: Runtime, *, brand: str, scopes: Iterable[str], vendor: str | None = None, name: str = ""
) -> str:
    parsed = frozenset(parse_enum(Scope, s, "scope") for s in scopes)
    if not parsed:
        raise InputError("give at least one --scope (check, consent:read, consent:write, …)").at(
            field="scope"
        )
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    with rt.uow(write=True) as uow:
        require_brand(uow, brand)
        if vendor is not None and uow.vendors.get(brand, vendor) is None:
            raise NotFoundError(f"unknown vendor '{vendor}' for brand '{brand}'").at(field="vendor")
        uow.apikeys.add(
            key_id=key_id,
            secret_hash=_hash(secret),
            brand=brand,
            vendor=vendor,
            scopes=parsed,
            name=name,
            at=rt.clock.now(),
        )
        uow.commit()
    return f"{PREFIX}{key_id}_{secret}"


def authenticate(rt: Runtime, token: str) -> Principal:
    if not token.startswith(PREFIX) or token.count("_") < 2:
        raise AuthenticationError("malformed API key")
    key_id, _, secret = token[len(PREFIX) :].partition("_")
    with rt.uow() as uow:
        record = uow.apikeys.get(key_id)
    if record is None or record.revoked or not hmac.compare_digest(record.secret_hash, _hash(secret)):
        raise AuthenticationError("unknown or revoked API key")
    return Principal(key_id=record.key_id, brand=record.brand, vendor=record.vendor, scopes=record.scopes)
