"""`dialgate hlr-sim`: a local HLR provider speaking both vendor shapes, driven by a scenario file.

    POST /api/v2/hlr-lookup    hlr-lookups.com style: {"msisdn": "+48…"} -> one flat lookup object
    POST /number/1/query       Infobip style: {"to": ["48…"]} -> {"results": [ … ]}
    GET  /_sim/stats           requests per number, total, most requests in flight at once, connections
    POST /_sim/reset           forget the counts (and the `failures = N` progress)

Each number answers as its scenario entry says (adapters/hlr/scenario.py), after `latency_ms` (plus the
entry's own); `error_rate` turns that share of requests into HTTP 503s. Failures are rendered the way a
vendor would fail: 5xx, 429 with Retry-After, a truncated body, an answer about another number, an
unplaceable roaming country, 401, an unknown subscriber, or no answer at all (until the client gives up).

A raw ASGI app (no framework) so that it costs little CPU next to the client it serves in benchmarks.
"""

from __future__ import annotations

import asyncio
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson
import phonenumbers

from dialgate.adapters.hlr.countries import country_facts
from dialgate.adapters.hlr.scenario import WRONG_NUMBER, Entry, Scenario
from dialgate.domain.roaming import HlrStatus, Roaming

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

SHAPES = ("hlr-lookups", "infobip")
PATHS = {"/api/v2/hlr-lookup": "hlr-lookups", "/number/1/query": "infobip"}


class HlrSimulator:
    def __init__(
        self,
        scenario: Scenario,
        *,
        latency_ms: float = 0.0,
        error_rate: float = 0.0,
        shapes: tuple[str, ...] = SHAPES,
        api_key: str | None = None,
        seed: int | None = None,
        hang_seconds: float = 60.0,
    ) -> None:
        self.scenario = scenario
        self.latency = latency_ms / 1000
        self.error_rate = error_rate
        self.shapes = shapes
        self.api_key = api_key
        self.hang_seconds = hang_seconds
        self._random = random.Random(seed)
        self.reset()

    def reset(self) -> None:
        self.requests: Counter[str] = Counter()
        self.total = 0
        self.inflight = 0
        self.max_inflight = 0
        self.clients: set[tuple[str, int]] = set()  # client (host, port) pairs: one per connection

    def stats(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "max_inflight": self.max_inflight,
            "connections": len(self.clients),
            "requests": dict(self.requests),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return None
        path, method = scope["path"], scope["method"]
        if path == "/_sim/stats" and method == "GET":
            return await _send(send, 200, self.stats())
        if path == "/_sim/reset" and method == "POST":
            self.reset()
            return await _send(send, 200, {"reset": True})
        if path == "/healthz":
            return await _send(send, 200, {"status": "ok"})
        shape = PATHS.get(path)
        if shape is None or shape not in self.shapes or method != "POST":
            return await _send(send, 404, {"message": f"no {method} {path} here"})
        body = await _read_body(receive)
        if not self._authorised(shape, scope):
            return await _send(send, 401, _error_body(shape, "UNAUTHORIZED", "Invalid login details"))
        number = _number_in(shape, body)
        if number is None:
            return await _send(send, 400, _error_body(shape, "BAD_REQUEST", "no number in the request"))
        self.requests[number] += 1
        self.total += 1
        if scope.get("client"):
            self.clients.add(tuple(scope["client"]))
        attempt = self.requests[number]
        self.inflight += 1
        self.max_inflight = max(self.max_inflight, self.inflight)
        try:
            await self._answer(shape, number, attempt, receive, send)
        finally:
            self.inflight -= 1

    async def _answer(self, shape: str, number: str, attempt: int, receive: Receive, send: Send) -> None:
        entry = self.scenario.entry_for(number)
        delay = self.latency + entry.latency_ms / 1000
        if delay > 0:
            await asyncio.sleep(delay)
        if self.error_rate and self._random.random() < self.error_rate:
            return await _send(send, 503, _error_body(shape, "SERVICE_UNAVAILABLE", "simulated outage"))
        failure = entry.failure if entry.fails(attempt) else None
        if failure == "timeout":
            return await self._hang(receive, send)
        if failure == "server":
            return await _send(send, 503, _error_body(shape, "SERVICE_UNAVAILABLE", "simulated 503"))
        if failure == "rate-limited":
            retry = str(max(0, round(entry.retry_after or 1)))
            error = _error_body(shape, "TOO_MANY_REQUESTS", "slow down")
            return await _send(send, 429, error, extra=[(b"retry-after", retry.encode())])
        if failure == "auth":
            return await _send(send, 401, _error_body(shape, "UNAUTHORIZED", "API key refused"))
        if failure == "malformed":
            whole = orjson.dumps(_render(shape, number, entry))
            return await _send_raw(send, 200, whole[: len(whole) // 2])
        answered = WRONG_NUMBER if failure == "wrong-number" else number
        document = _render(shape, answered, entry, failure=failure)
        return await _send(send, 200, document)

    async def _hang(self, receive: Receive, send: Send) -> None:
        """No answer: wait until the client hangs up (or hang_seconds), like a stuck HLR."""
        try:
            async with asyncio.timeout(self.hang_seconds):
                while (await receive())["type"] != "http.disconnect":
                    pass
        except TimeoutError:
            await _send(send, 504, {"message": "simulated gateway timeout"})

    def _authorised(self, shape: str, scope: Scope) -> bool:
        if not self.api_key:
            return True
        headers = dict(scope.get("headers") or [])
        if shape == "infobip":
            return bool(headers.get(b"authorization", b"") == f"App {self.api_key}".encode())
        return bool(headers.get(b"x-digest-key", b"") == self.api_key.encode())


def _number_in(shape: str, body: bytes) -> str | None:
    try:
        document = orjson.loads(body)
        raw = document["msisdn"] if shape == "hlr-lookups" else document["to"][0]
    except (orjson.JSONDecodeError, KeyError, IndexError, TypeError):
        return None
    digits = "".join(ch for ch in str(raw) if ch.isdigit())
    return "+" + digits if digits else None


@lru_cache(maxsize=1024)
def _home(number: str) -> tuple[str, str, str]:
    """ISO code, calling code and name of the number's home country (by calling code: +1 is the US)."""
    for length in (1, 2, 3):
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(number[1 : 1 + length] or 0))
        if regions and regions[0] != "001":
            prefix, name = country_facts(regions[0])
            return regions[0], prefix, name
    return "ZZ", "", "Unknown"


def _render(shape: str, number: str, entry: Entry, *, failure: str | None = None) -> dict[str, Any]:
    home_iso, home_prefix, home_name = _home(number[:4])
    roaming_iso, roaming_prefix, roaming_name = None, None, None
    if entry.roaming is Roaming.YES and entry.roaming_country:
        roaming_iso = entry.roaming_country
        roaming_prefix, roaming_name = country_facts(entry.roaming_country)
    if failure == "unknown-country":
        roaming_iso, roaming_prefix, roaming_name = "XX", "999", "Nowhere"
    roaming = None if entry.roaming is Roaming.UNKNOWN else entry.roaming is Roaming.YES
    if failure == "unknown-country":
        roaming = True
    unknown_number = failure == "unknown-number"
    mccmnc = (entry.mcc or "") + (entry.mnc or "")
    current = entry.current_network if entry.ported else None
    if shape == "hlr-lookups":
        status = {
            HlrStatus.ACTIVE: "CONNECTED",
            HlrStatus.ABSENT: "ABSENT",
            HlrStatus.UNKNOWN: "UNDETERMINED",
        }
        return {
            "id": f"{random.getrandbits(48):012x}",
            "msisdn": number,
            "connectivity_status": "INVALID_MSISDN" if unknown_number else status[entry.status],
            "mccmnc": mccmnc or None,
            "mcc": entry.mcc,
            "mnc": entry.mnc,
            "imsi": None,
            "original_network_name": entry.original_network,
            "original_country_name": home_name,
            "original_country_code": home_iso,
            "original_country_prefix": "+" + home_prefix if home_prefix else None,
            "is_ported": entry.ported,
            "ported_network_name": current,
            "is_roaming": roaming,
            "roaming_network_name": entry.roaming_network if roaming else None,
            "roaming_country_name": roaming_name,
            "roaming_country_code": roaming_iso,
            "roaming_country_prefix": "+" + roaming_prefix if roaming_prefix else None,
            "cost": "0.0000",
            "timestamp": datetime.now(UTC).isoformat(),
            "storage": "HLR-SIM",
            "route": "SIM",
            "processing_status": "COMPLETED",
            "error_code": None,
            "data_source": "LIVE_HLR",
        }
    error = {"groupId": 0, "groupName": "OK", "id": 0, "name": "NO_ERROR", "description": "No Error"}
    if unknown_number:
        error = {"groupId": 1, "groupName": "HANDSET_ERRORS", "id": 1, "name": "EC_UNKNOWN_SUBSCRIBER"}
    elif entry.status is HlrStatus.ABSENT:
        error = {"groupId": 1, "groupName": "HANDSET_ERRORS", "id": 27, "name": "EC_ABSENT_SUBSCRIBER"}
    elif entry.status is HlrStatus.UNKNOWN:
        error = {"groupId": 2, "groupName": "USER_ERRORS", "id": 34, "name": "EC_SYSTEM_FAILURE"}
    national = number[1 + len(home_prefix) :] if home_prefix else number[1:]
    result: dict[str, Any] = {
        "to": number.removeprefix("+"),
        "mccMnc": mccmnc or None,
        "originalNetwork": {
            "networkName": entry.original_network,
            "networkPrefix": national[:3],
            "countryName": home_name,
            "countryPrefix": home_prefix,
        },
        "ported": entry.ported,
        "status": {"groupId": 3, "groupName": "DELIVERED", "id": 5, "name": "DELIVERED_TO_HANDSET"},
        "error": {**error, "permanent": unknown_number},
    }
    if current:
        result["portedNetwork"] = {
            "networkName": current,
            "countryName": home_name,
            "countryPrefix": home_prefix,
        }
    if roaming is not None:
        result["roaming"] = roaming
    if roaming:
        result["roamingNetwork"] = {
            "networkName": entry.roaming_network,
            "countryName": roaming_name,
            "countryPrefix": roaming_prefix,
        }
    return {"results": [result]}


def _error_body(shape: str, code: str, text: str) -> dict[str, Any]:
    if shape == "infobip":
        return {"requestError": {"serviceException": {"messageId": code, "text": text}}}
    return {"errors": [{"code": code, "message": text}]}


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _send(
    send: Send, status: int, document: Any, *, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    await _send_raw(send, status, orjson.dumps(document), extra=extra)


async def _send_raw(
    send: Send, status: int, body: bytes, *, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body})


class LoopbackServer:
    """Serve an ASGI app on loopback from a background thread (tests, benchmarks): `with LoopbackServer(app)`.

    port 0 picks a free port; `url` says which."""

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.host, self.port = self._sock.getsockname()[:2]
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> LoopbackServer:
        import uvicorn

        config = uvicorn.Config(
            self.app,
            lifespan="off",
            log_level="warning",
            access_log=False,
            loop="asyncio",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, name="loopback-server", daemon=True
        )
        self._thread.start()
        for _ in range(500):
            if self._server.started:
                break
            time.sleep(0.01)
        else:
            raise RuntimeError("the loopback server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._sock.close()
