"""A lean HTTP/1.1 keep-alive connection pool, as an httpx transport.

Why not httpx's stock transport (httpcore): measured with bench/hlr.py on the project's 2-core machine
(hlr-sim at 20 ms, 64 lookups in flight), httpcore spent ~4.2 ms of CPU per lookup and reached 175
lookups/s; its pool re-scans every connection for every request (O(connections x waiting requests)).
This pool spends ~0.16 ms per lookup, all of the client's work included, and reaches ~2,300/s.

HLR lookups are small JSON POSTs to one origin, so the subset of HTTP/1.1 needed is small:
Content-Length or chunked answers (parsed by httptools, the parser uvicorn uses), keep-alive, TLS. No
proxies, no HTTP/2: choose `hlr.transport = "httpcore"` for those. `handle_async_request` takes and
returns httpx objects, so the pool works as any httpx transport; the HTTP adapter calls `send` with a
request head it encodes once.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections import deque
from dataclasses import dataclass, field

import httptools
import httpx

_DEFAULT_PORTS = {"http": 80, "https": 443}
_MAX_ANSWER = 1 << 20  # an HLR answer is a few hundred bytes; anything this big is not one
Origin = tuple[str, str, int]  # scheme, host, port


class _StaleConnectionError(Exception):
    """A reused connection was closed by the server before it answered: safe to send again."""


@dataclass
class _Answer:
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: list[bytes] = field(default_factory=list)
    headers_done: bool = False
    complete: bool = False

    # httptools parser callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.headers_done = True

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.complete = True


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.idle_since = time.monotonic()

    def usable(self, expiry: float) -> bool:
        return not self.reader.at_eof() and time.monotonic() - self.idle_since < expiry

    async def exchange(self, data: bytes, request: httpx.Request | None) -> tuple[int, _Answer, bool]:
        self.writer.write(data)
        await self.writer.drain()
        answer = _Answer()
        parser = httptools.HttpResponseParser(answer)
        received = 0
        while not answer.complete:
            chunk = await self.reader.read(65536)
            if not chunk:
                if not received:
                    raise _StaleConnectionError
                if answer.headers_done and not _framed(answer.headers):
                    break  # the body ran to the end of the connection (HTTP/1.0 style)
                raise httpx.RemoteProtocolError(
                    "the server closed the connection mid-answer", request=request
                )
            received += len(chunk)
            if received > _MAX_ANSWER:
                raise httpx.RemoteProtocolError("the answer is larger than 1 MiB", request=request)
            try:
                parser.feed_data(chunk)
            except httptools.HttpParserError as exc:
                raise httpx.RemoteProtocolError(f"unreadable HTTP answer: {exc}", request=request) from None
        return parser.get_status_code(), answer, answer.complete and _reusable(parser, answer.headers)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


def _reusable(parser: httptools.HttpResponseParser, headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the connection may carry another request (httptools forgets once the message is done)."""
    tokens = {t.strip().lower() for n, v in headers if n.lower() == b"connection" for t in v.split(b",")}
    if parser.get_http_version() == "1.1":
        return b"close" not in tokens
    return b"keep-alive" in tokens


def _framed(headers: list[tuple[bytes, bytes]]) -> bool:
    names = {name.lower() for name, _ in headers}
    return b"content-length" in names or b"transfer-encoding" in names


class KeepAliveTransport(httpx.AsyncBaseTransport):
    """At most `max_connections` requests in flight; idle connections are reused per origin."""

    def __init__(
        self,
        *,
        max_connections: int = 64,
        keepalive_expiry: float = 15.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._slots = asyncio.Semaphore(max_connections)
        self._expiry = keepalive_expiry
        self._ssl_context = ssl_context
        self._idle: dict[Origin, deque[_Connection]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        origin = (url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme, 80))
        status, headers, body = await self.send(origin, _encode(request, await request.aread()), request)
        return httpx.Response(status, headers=headers, content=body, request=request)

    async def send(
        self, origin: Origin, data: bytes, request: httpx.Request | None = None
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Send an encoded request (head and body) to `origin`; status, headers and body of the answer.

        The HTTP adapter calls this directly with a request head it encodes once, skipping the cost of
        httpx's Request and Response objects on every lookup. Raises httpx's transport errors."""
        async with self._slots:
            for attempt in (1, 2):
                conn, reused = self._reuse(origin), True
                if conn is None:
                    conn, reused = await self._connect(origin, request), False
                try:
                    status, answer, keep = await conn.exchange(data, request)
                except _StaleConnectionError:
                    conn.close()
                    if reused and attempt == 1:
                        continue
                    raise httpx.RemoteProtocolError(
                        "the server closed the connection without answering", request=request
                    ) from None
                except OSError as exc:
                    conn.close()
                    raise httpx.ReadError(f"connection lost: {exc}", request=request) from None
                except BaseException:
                    conn.close()  # cancelled or failed mid-exchange: the connection's state is unknown
                    raise
                if keep:
                    conn.idle_since = time.monotonic()
                    self._idle.setdefault(origin, deque()).append(conn)
                else:
                    conn.close()
                return status, answer.headers, b"".join(answer.body)
        raise AssertionError("unreachable")  # pragma: no cover

    def _reuse(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        while idle:
            conn = idle.pop()
            if conn.usable(self._expiry):
                return conn
            conn.close()
        return None

    async def _connect(self, origin: Origin, request: httpx.Request | None) -> _Connection:
        scheme, host, port = origin
        tls: ssl.SSLContext | None = None
        if scheme == "https":
            tls = self._ssl_context = self._ssl_context or ssl.create_default_context()
        try:
            reader, writer = await asyncio.open_connection(
                host, port, ssl=tls, server_hostname=host if tls else None, limit=1 << 20
            )
        except OSError as exc:
            raise httpx.ConnectError(f"cannot connect to {host}:{port}: {exc}", request=request) from None
        return _Connection(reader, writer)

    async def aclose(self) -> None:
        for idle in self._idle.values():
            while idle:
                idle.pop().close()
        self._idle.clear()


def _encode(request: httpx.Request, body: bytes) -> bytes:
    target = request.url.raw_path
    lines = [request.method.encode(), b" ", target, b" HTTP/1.1\r\n"]
    for name, value in request.headers.raw:
        lines += [name, b": ", value, b"\r\n"]
    lines.append(b"\r\n")
    return b"".join(lines) + body
