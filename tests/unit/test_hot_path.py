"""The check routes' ASGI layer: who asks, from which header, and what happens to a body cut short."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from dialgate.api import routes_checks
from dialgate.api.routes_checks import HotPath
from dialgate.domain.access import Principal, Scope


class Keys:
    """Every token is a key of its own name's brand, with the check scope."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def principal(self, _rt: Any, token: str) -> Principal:
        self.asked.append(token)
        return Principal(token, token, None, frozenset({Scope.CHECK}))


def _call(messages: list[dict[str, Any]], headers: list[tuple[bytes, bytes]], monkeypatch) -> tuple[Keys, list[Any], list[str]]:  # fmt: skip
    keys, sent, decided = Keys(), [], []

    async def handler(_state: Any, who: Principal, raw: bytes) -> bytes:
        decided.append(who.brand)
        return raw

    monkeypatch.setitem(routes_checks.HANDLERS, b"/v1/checks", (handler, 1024))
    app = SimpleNamespace(state=SimpleNamespace(key_cache=keys, runtime=None))
    scope = {"type": "http", "method": "POST", "path": "/v1/checks", "headers": headers}

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(HotPath(app)(scope, receive, send))
    return keys, sent, decided


def test_the_first_authorization_header_is_the_one_read(monkeypatch):
    headers = [(b"authorization", b"Bearer first"), (b"authorization", b"Bearer second")]
    keys, sent, decided = _call([{"type": "http.request", "body": b"{}"}], headers, monkeypatch)
    assert keys.asked == ["first"] and decided == ["first"]
    assert sent[0]["status"] == 200 and sent[1]["body"] == b"{}"


def test_a_body_cut_short_by_a_disconnect_is_neither_decided_nor_answered(monkeypatch):
    messages = [{"type": "http.request", "body": b'{"num', "more_body": True}, {"type": "http.disconnect"}]
    keys, sent, decided = _call(messages, [(b"authorization", b"Bearer acme")], monkeypatch)
    assert keys.asked == ["acme"] and decided == [] and sent == []


def test_a_body_over_the_limit_is_413_without_a_decision(monkeypatch):
    messages = [{"type": "http.request", "body": b"x" * 600, "more_body": True},
                {"type": "http.request", "body": b"x" * 600}]  # fmt: skip
    _, sent, decided = _call(messages, [(b"authorization", b"Bearer acme")], monkeypatch)
    assert decided == [] and sent[0]["status"] == 413
