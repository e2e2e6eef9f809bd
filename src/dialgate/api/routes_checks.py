"""POST /v1/checks and /v1/checks:batch: the hot path.

Answered by `HotPath`, a bare ASGI layer in front of the FastAPI app: measured under load, routing and
middleware cost several times the decision itself. The request is validated by hand with the same
messages and problem+json errors as everywhere else, and /openapi.json still documents both routes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import orjson

from dialgate.api.auth import principal_from
from dialgate.api.problems import error_parts
from dialgate.api.render import answers_json, decision_json, decisions_json
from dialgate.domain.access import Principal, Scope
from dialgate.domain.decision import Verdict
from dialgate.domain.numbers import clean_region
from dialgate.domain.timeutil import parse_instant
from dialgate.errors import DialgateError, InputError, PayloadTooLargeError, PermissionDeniedError
from dialgate.services.check import MAX_BATCH, CheckRequest, caller_facts, evaluate_request, waits_on_lookups
from dialgate.services.runtime import Runtime

_T = TypeVar("_T")
_SINGLE = {"number", "campaign", "caller_id", "vendor", "at", "region"}
_BATCH = {"numbers", "campaign", "caller_id", "vendor", "at", "region"}


def _body(raw: bytes, allowed: set[str]) -> dict[str, Any]:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"the body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise InputError("the body must be a JSON object")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise InputError(f"unknown field; fields are {', '.join(sorted(allowed))}").at(field=unknown[0])
    for key, value in body.items():
        if key != "numbers" and value is not None and not isinstance(value, str):
            raise InputError("must be a string").at(field=key)
    if not isinstance(body.get("campaign"), str):
        raise InputError("is required").at(field="campaign")
    return body


def _request(body: dict[str, Any], numbers: list[str], vendor: str | None) -> CheckRequest:
    asked = body.get("vendor")
    if vendor is not None and asked not in (None, vendor):
        raise PermissionDeniedError(f"this key belongs to vendor '{vendor}'")
    return CheckRequest(body["campaign"], numbers, body.get("caller_id"), asked or vendor, body.get("at"),
                        body.get("region"), via="api")  # fmt: skip


class Coalescer:
    """Single checks that arrive together are decided together.

    Under load a worker holds many pending checks; deciding them as one frame (the same engine, on
    columns) costs little more than deciding one. The decision waits one turn of the event loop, which
    reads the sockets once more, so the checks that arrived meanwhile join it: a frame of eight cost
    about as much as a frame of two, and without the wait most frames held two or three. It never
    waits for a timer: a check that arrives alone is decided after that one turn (a few microseconds).
    Each check keeps its own id, audit row and answer; checks differing in campaign, caller ID, vendor,
    instant or key are never mixed.
    """

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        self._pending: list[tuple[tuple[Any, ...], CheckRequest, str, asyncio.Future[bytes]]] = []
        self._scheduled = False
        self._off: set[asyncio.Future[None]] = set()
        # Checks that may wait on the network (this worker's single checks and batches) run here: threads
        # of their own, so that a slow provider never queues them behind the default pool's. Sixteen:
        # each thread keeps a database connection for its life.
        self._lookups = ThreadPoolExecutor(max_workers=16, thread_name_prefix="dialgate-lookups")

    async def in_lookup_thread(self, fn: Callable[..., _T], *args: Any) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self._lookups, partial(fn, *args))

    def close(self) -> None:
        """Wait for the checks being decided (their audit rows are then queued), drop those not started."""
        self._lookups.shutdown(wait=True, cancel_futures=True)

    async def decide(self, req: CheckRequest, brand: str) -> bytes:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bytes] = loop.create_future()
        key = (brand, req.campaign, req.caller_id, req.vendor, req.at, req.region)
        self._pending.append((key, req, brand, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(loop.call_soon, self._run)  # after the next poll's requests (see above)
        return await future

    def _run(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, []
        groups: dict[tuple[Any, ...], list[tuple[CheckRequest, asyncio.Future[bytes]]]] = {}
        for key, req, _brand, future in pending:
            groups.setdefault(key, []).append((req, future))
        for key, items in groups.items():  # every group is answered, whatever another one met
            try:
                slow = waits_on_lookups(self._rt, key[1])
            except Exception as exc:  # the store could not be read: say so to the waiting checks
                _settle(items, exc)
                continue
            if slow:  # the network may answer slowly: decided off the loop, which goes on serving
                task = asyncio.ensure_future(self._off_loop(key, items))
                self._off.add(task)  # held until done: the loop keeps only a weak reference
                task.add_done_callback(self._off.discard)
            else:
                _settle(items, self._answers(key, items))

    async def _off_loop(
        self, key: tuple[Any, ...], items: list[tuple[CheckRequest, asyncio.Future[bytes]]]
    ) -> None:
        try:
            answers = await self.in_lookup_thread(self._answers, key, items)
        except BaseException as exc:  # cancelled at shutdown, or the thread could not start
            _settle(items, exc)
            raise
        _settle(items, answers)

    def _answers(
        self, key: tuple[Any, ...], items: list[tuple[CheckRequest, asyncio.Future[bytes]]]
    ) -> list[bytes] | BaseException:
        """Each check's answer, or the failure that answers every one of them."""
        first = items[0][0]
        numbers = [n for req, _ in items for n in req.numbers]
        try:
            together = CheckRequest(
                first.campaign, numbers, first.caller_id, first.vendor, first.at, first.region, via="api"
            )
            checked = evaluate_request(self._rt, together, brand=key[0], separate=True)
            return [decision_json(checked)] if len(items) == 1 else answers_json(checked)
        except Exception as exc:  # an unexpected failure answers every waiting check, not just one
            return exc


def _settle(
    items: list[tuple[CheckRequest, asyncio.Future[bytes]]], answers: list[bytes] | BaseException
) -> None:
    for i, (_, future) in enumerate(items):
        if future.cancelled():
            continue
        if isinstance(answers, BaseException):
            future.set_exception(answers)
        else:
            future.set_result(answers[i])


async def check_one(state: Any, who: Principal, raw: bytes) -> bytes:
    body = _body(raw, _SINGLE)
    number = body.get("number")
    if not isinstance(number, str):
        raise InputError("is required").at(field="number")
    req = _request(body, [number], who.vendor)
    # a request error is this request's alone: find it before joining others
    if isinstance(req.at, str):
        parse_instant(req.at, "at")
    if req.caller_id is not None:
        caller_facts(req.caller_id)
    clean_region(req.region)
    coalescer: Coalescer = state.check_coalescer
    return await coalescer.decide(req, who.brand)


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "a list", int: "a number", float: "a number", bool: "true or false"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


async def check_batch(state: Any, who: Principal, raw: bytes) -> bytes:
    body = _body(raw, _BATCH)
    numbers = body.get("numbers")
    if not isinstance(numbers, list):
        raise InputError("must be a list of strings").at(field="numbers")
    # the types present, gathered in C: a generator over 10,000 numbers cost a millisecond. The first
    # wrong element is looked for only once there is one
    if not set(map(type, numbers)) <= {str}:
        at = next(i for i, n in enumerate(numbers) if type(n) is not str)
        raise InputError(f"must be a list of strings; element {at} is {_json_type(numbers[at])}").at(
            field="numbers"
        )
    if len(numbers) > MAX_BATCH:
        raise InputError(f"at most {MAX_BATCH} numbers per batch").at(field="numbers")
    rt, req = state.runtime, _request(body, numbers, who.vendor)
    if waits_on_lookups(rt, req.campaign):  # the network may answer slowly: off the loop
        coalescer: Coalescer = state.check_coalescer
        checked = await coalescer.in_lookup_thread(partial(evaluate_request, rt, req, brand=who.brand))
    else:
        checked = evaluate_request(rt, req, brand=who.brand)
    return decisions_json(checked)


# Each route's handler and the largest body it reads: a single check is a few hundred bytes; a batch of
# MAX_BATCH numbers, each as a person might type it, well under a megabyte.
HANDLERS = {b"/v1/checks": (check_one, 64 * 1024), b"/v1/checks:batch": (check_batch, 4 * 1024 * 1024)}
JSON, PROBLEM = b"application/json", b"application/problem+json"


class HotPath:
    """ASGI: POST /v1/checks and /v1/checks:batch answered here; everything else goes to the app."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __getattr__(self, name: str) -> Any:  # state, openapi, ...: the wrapped app's
        return getattr(self.app, name)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("raw_path") or scope.get("path", "").encode()
        route = HANDLERS.get(path) if scope["type"] == "http" else None
        if route is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        handler, limit = route
        state = self.app.state
        extra: dict[str, str] = {}
        try:
            # who is asking, from the headers alone: a body is read only for a caller with the right
            authorization = _header(scope, b"authorization")
            who = principal_from(
                state.key_cache, state.runtime, authorization.decode("latin-1") if authorization else None
            )
            who.require(Scope.CHECK)
            raw = await _read_body(receive, _header(scope, b"content-length"), limit)
            if raw is None:  # the client went away mid-body: nothing to decide, nobody to answer
                return
            status, body, content_type = 200, await handler(state, who, raw), JSON
        except DialgateError as exc:
            status, body, extra = error_parts(exc)
            content_type = PROBLEM
        out = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
        out += [(k.lower().encode(), v.encode()) for k, v in extra.items()]
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": body})


def _header(scope: dict[str, Any], name: bytes) -> bytes | None:
    """The first of a repeated header, as the app's own routes (Starlette) read it."""
    return next((v for k, v in scope["headers"] if k == name), None)


async def _read_body(receive: Any, length: bytes | None, limit: int) -> bytes | None:
    """The request body, refused as soon as it is known to exceed `limit` bytes; None when the client
    disconnected before sending all of it."""
    too_large = PayloadTooLargeError(
        f"the body exceeds the {limit // 1024:,} KiB a request of this route may send"
    )
    if length is not None and length.isdigit() and int(length) > limit:
        raise too_large
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


_DECISION = {
    "type": "object",
    "properties": {
        "check_id": {"type": "string"}, "number": {"type": "string"},
        "verdict": {"type": "string", "enum": [str(v) for v in Verdict]},
        "reasons": {"type": "array", "items": {"type": "object", "properties": {
            "code": {"type": "string"}, "rule": {"type": "string"}, "law": {"type": "string"}, "message": {"type": "string"}}}},
        "next_allowed_at": {"type": ["string", "null"], "format": "date-time"},
        "jurisdiction": {"type": ["string", "null"]}, "local_time": {"type": ["string", "null"]},
        "timezone": {"type": ["object", "null"]}, "evaluated_at": {"type": "string", "format": "date-time"},
    },
}  # fmt: skip
_COMMON = {"campaign": {"type": "string"}, "caller_id": {"type": "string"}, "vendor": {"type": "string"},
           "at": {"type": "string", "format": "date-time"}, "region": {"type": "string"}}  # fmt: skip


def openapi_paths() -> dict[str, Any]:
    def op(
        summary: str, props: dict[str, Any], required: list[str], answer: dict[str, Any]
    ) -> dict[str, Any]:
        return {"post": {
            "tags": ["check"], "summary": summary, "security": [{"HTTPBearer": []}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": props, "required": required, "additionalProperties": False}}}},
            "responses": {"200": {"description": "The decision(s)", "content": {"application/json": {"schema": answer}}},
                          "401": {"description": "No or bad API key"}, "403": {"description": "Missing scope"},
                          "404": {"description": "Unknown campaign"}, "422": {"description": "Invalid input"}},
        }}  # fmt: skip

    return {
        "/v1/checks": op("May this campaign call this number now?", {"number": {"type": "string"}, **_COMMON},
                         ["number", "campaign"], _DECISION),
        "/v1/checks:batch": op(f"Decide up to {MAX_BATCH} numbers at once",
                               {"numbers": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_BATCH}, **_COMMON},
                               ["numbers", "campaign"],
                               {"type": "object", "properties": {"decisions": {"type": "array", "items": _DECISION}}}),
    }  # fmt: skip
