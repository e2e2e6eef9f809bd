"""Webhook deliveries over HTTP (httpx): one shared async client, hard timeouts, no redirects."""

from __future__ import annotations

import time

import httpx

from dialgate.services.ports import HttpAnswer


class HttpxSender:
    def __init__(self, *, max_connections: int = 100) -> None:
        self._client = httpx.AsyncClient(
            follow_redirects=False,  # a signed body goes only where the vendor registered it
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
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
