"""The HTTP HLR provider: one POST per lookup, its answer read through a configured field map.

Which vendor it talks to is configuration (config.HLR_SHAPES presets, `hlr.mapping` overrides), not
code. Every failure becomes a typed error from domain/hlr_errors.py with its retry decision.
"""

from __future__ import annotations

import asyncio
import email.utils
from datetime import UTC, datetime

import httpx

from dialgate.adapters.hlr.mapping import ResponseReader
from dialgate.adapters.hlr.transport import KeepAliveTransport
from dialgate.config import HlrFieldMap
from dialgate.domain.hlr_errors import (
    HlrAuthError,
    HlrError,
    HlrRateLimitedError,
    HlrRequestRejectedError,
    HlrServerError,
    HlrTimeoutError,
    HlrUnavailableError,
)
from dialgate.domain.roaming import HlrResult
from dialgate.errors import InputError
from dialgate.services.ports import Clock

_NO_HEADERS = httpx.Headers()


class HttpHlrProvider:
    def __init__(
        self,
        *,
        url: str,
        fields: HlrFieldMap,
        name: str,
        clock: Clock,
        api_key: str | None = None,
        timeout: float = 2.0,
        max_connections: int = 64,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._name = name
        self._clock = clock
        self._reader = ResponseReader(fields)
        self._url = httpx.URL(url.rstrip("/") + fields.path)
        self._timeout = timeout
        self._headers = [("content-type", "application/json"), ("accept", "application/json")]
        if api_key:
            if any(ch in api_key for ch in "\r\n\0"):
                raise InputError("the API key contains a line break").at(field="DIALGATE_HLR__API_KEY")
            self._headers.append((fields.auth_header, fields.auth_scheme + api_key))
        self._transport = transport or KeepAliveTransport(max_connections=max_connections)
        # On the keep-alive transport, the request head is encoded once and reused for every lookup.
        u = self._url
        self._origin = (u.scheme, u.host, u.port or {"https": 443}.get(u.scheme, 80))
        head = [f"POST {u.raw_path.decode('ascii')} HTTP/1.1", f"host: {u.netloc.decode('ascii')}"]
        head += [f"{key}: {value}" for key, value in self._headers]
        self._head = ("\r\n".join(head) + "\r\n").encode("latin-1")

    @property
    def name(self) -> str:
        return self._name

    async def lookup(self, number: str) -> HlrResult:
        content = self._reader.request_body(number)
        try:
            async with asyncio.timeout(self._timeout):
                status, headers, body = await self._post(content)
        except TimeoutError:
            raise HlrTimeoutError(f"no answer within {self._timeout * 1000:.0f} ms") from None
        except httpx.TimeoutException as exc:
            raise HlrTimeoutError(f"no answer in time ({type(exc).__name__})") from None
        except (httpx.TransportError, OSError) as exc:
            raise HlrUnavailableError(f"cannot reach the provider: {exc}") from None
        if status == 200:
            return self._reader.read(number, body, provider=self._name, at=self._clock.now())
        raise self._error_for(status, headers, body)

    async def _post(self, content: bytes) -> tuple[int, httpx.Headers, bytes]:
        transport = self._transport
        if isinstance(transport, KeepAliveTransport):
            data = b"%scontent-length: %d\r\n\r\n%s" % (self._head, len(content), content)
            status, raw_headers, body = await transport.send(self._origin, data)
            return status, httpx.Headers(raw_headers) if status != 200 else _NO_HEADERS, body
        request = httpx.Request("POST", self._url, headers=self._headers, content=content)
        response = await transport.handle_async_request(request)
        try:
            return response.status_code, response.headers, await response.aread()
        finally:
            await response.aclose()

    def _error_for(self, status: int, headers: httpx.Headers, body: bytes) -> HlrError:
        said = self._reader.error_text(body)
        detail = f"HTTP {status}" + (f": {said}" if said else "")
        if status in (401, 403):
            return HlrAuthError(f"{detail} (check hlr.api_key)")
        if status == 429:
            return HlrRateLimitedError(detail, retry_after=retry_after_seconds(headers.get("retry-after")))
        if status >= 500:
            return HlrServerError(detail)
        return HlrRequestRejectedError(detail)

    async def aclose(self) -> None:
        await self._transport.aclose()


def httpcore_transport(max_connections: int) -> httpx.AsyncBaseTransport:
    """httpx's stock transport: proxies from the environment, but several times the CPU per lookup."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    return httpx.AsyncHTTPTransport(limits=limits, trust_env=True)


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
