"""Bearer API keys. Verified keys are cached briefly so the hot path does not hit the store each time."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from dialgate.domain.access import Principal, Scope
from dialgate.errors import AuthenticationError
from dialgate.services.apikeys import authenticate
from dialgate.services.runtime import Runtime

_bearer = HTTPBearer(auto_error=False, description="An API key created with `dialgate apikey create`.")
_CACHE_SECONDS = 5.0


class KeyCache:
    def __init__(self) -> None:
        self._keys: dict[str, tuple[float, Principal]] = {}

    def principal(self, rt: Runtime, token: str) -> Principal:
        now = time.monotonic()
        hit = self._keys.get(token)
        if hit is not None and hit[0] > now:
            return hit[1]
        principal = authenticate(rt, token)
        if len(self._keys) > 10_000:
            self._keys.clear()
        self._keys[token] = (now + _CACHE_SECONDS, principal)
        return principal


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def principal_for(request: Request, authorization: str | None) -> Principal:
    return principal_from(request.app.state.key_cache, request.app.state.runtime, authorization)


def principal_from(cache: KeyCache, rt: Runtime, authorization: str | None) -> Principal:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise AuthenticationError("send an API key: Authorization: Bearer <key>")
    return cache.principal(rt, authorization[7:].strip())


def require(scope: Scope) -> Callable[..., Principal]:
    def dependency(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
    ) -> Principal:
        header = f"Bearer {credentials.credentials}" if credentials else None
        who = principal_for(request, header)
        who.require(scope)
        return who

    return dependency
