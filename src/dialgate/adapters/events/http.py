"""Webhook deliveries over HTTP (httpx): one shared async client, hard timeouts, no redirects, and only
to addresses the policy allows (domain.webhooks.refused_address), judged when each connection opens.

The check sits in the connection pool's network backend: the host is resolved once, every address it
resolves to is judged, and the connection goes to a judged address. Checking the URL's host before the
request and letting the client resolve it again would let a name answer with a public address first
and a private one for the connection (DNS rebinding). TLS still verifies the URL's host name.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterable, Sequence

import httpcore
import httpx

from dialgate.domain.webhooks import Network, refused_address
from dialgate.services.ports import HttpAnswer


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to addresses the policy allows."""

    def __init__(self, allowed: Sequence[Network], inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._allowed = tuple(allowed)
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            found = await asyncio.wait_for(
                asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout
            )
        except (OSError, TimeoutError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
        for address in addresses:  # every one: the next connection might get any of them
            refused = refused_address(address, self._allowed)
            if refused is not None:
                raise httpcore.ConnectError(f"refused: {host} resolves to {refused}")
        return await self._inner.connect_tcp(
            addresses[0], port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,  # noqa: ARG002
        timeout: float | None = None,  # noqa: ARG002
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,  # noqa: ARG002
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks do not connect to local sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, allowed: Sequence[Network], limits: httpx.Limits) -> None:
        super().__init__(
            limits=limits, trust_env=False
        )  # a proxy from the environment would bypass the guard
        # httpx builds its pool without a way to pass a network backend: the same pool, with ours
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(allowed),
        )


class HttpxSender:
    def __init__(self, *, max_connections: int = 100, allowed: Sequence[Network] = ()) -> None:
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self._client = httpx.AsyncClient(
            follow_redirects=False,  # a signed body goes only where the vendor registered it
            transport=_GuardedTransport(allowed, limits),
            headers={"User-Agent": "dialgate-webhooks/1"},
        )

    async def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> HttpAnswer:
        started = time.perf_counter()
        try:
            response = await self._client.post(
                url, content=body, headers=headers, timeout=httpx.Timeout(timeout)
            )
        except httpx.TimeoutException:
            return HttpAnswer(None, f"no answer within {timeout:g} s", _ms(started))
        except httpx.HTTPError as exc:
            return HttpAnswer(None, f"{type(exc).__name__}: {exc}"[:500], _ms(started))
        error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
        return HttpAnswer(response.status_code, error, _ms(started))

    async def aclose(self) -> None:
        await self._client.aclose()


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
