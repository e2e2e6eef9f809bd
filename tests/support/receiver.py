"""A webhook receiver on loopback for tests and benchmarks: a real HTTP server in a thread.

It verifies signatures when given the secret, records every delivery, and can be told how to answer:
a status code, a delay (longer than the sender's timeout = "never answers"), per path.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from dialgate.webhook_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureError, verify


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes
    received: float  # time.monotonic() when the body was read
    status: int
    signature_ok: bool | None

    @property
    def events(self) -> list[dict[str, Any]]:
        return orjson.loads(self.body)["events"]


@dataclass
class Behaviour:
    """How one path answers: `statuses` in turn (the last one repeats), after `delay` seconds."""

    statuses: list[int] = field(default_factory=lambda: [200])
    delay: float = 0.0
    hold: threading.Event | None = None  # when set: block each request until the event is set
    served: int = 0

    def next_status(self) -> int:
        status = self.statuses[min(self.served, len(self.statuses) - 1)]
        self.served += 1
        return status


class Receiver:
    def __init__(self, secret: str | None = None) -> None:
        self.secret = secret
        self.deliveries: list[Delivery] = []
        self.behaviours: dict[str, Behaviour] = {}
        self.lock = threading.Lock()
        self.arrivals = 0  # requests whose body was read, answered or not yet
        self.on_delivery: Callable[[Delivery], None] | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received = time.monotonic()
                with receiver.lock:
                    receiver.arrivals += 1
                    behaviour = receiver.behaviours.setdefault(self.path, Behaviour())
                    status = behaviour.next_status()
                if behaviour.hold is not None:
                    behaviour.hold.wait(30)
                if behaviour.delay:
                    time.sleep(behaviour.delay)
                ok = None
                if receiver.secret is not None:
                    try:
                        verify(
                            receiver.secret,
                            body,
                            self.headers.get(TIMESTAMP_HEADER),
                            self.headers.get(SIGNATURE_HEADER),
                        )
                        ok = True
                    except SignatureError:
                        ok, status = False, 400
                delivery = Delivery(self.path, dict(self.headers), body, received, status, ok)
                with receiver.lock:
                    receiver.deliveries.append(delivery)
                if receiver.on_delivery is not None:
                    receiver.on_delivery(delivery)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up (timeout) or died

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for behaviour in self.behaviours.values():
            if behaviour.hold is not None:
                behaviour.hold.set()
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def answer(
        self, path: str, *statuses: int, delay: float = 0.0, hold: threading.Event | None = None
    ) -> None:
        with self.lock:
            self.behaviours[path] = Behaviour(list(statuses) or [200], delay, hold)

    def accepted(self, path: str | None = None) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if 200 <= d.status < 300 and path in (None, d.path)]

    def event_ids(self, path: str | None = None) -> list[str]:
        return [e["id"] for d in self.accepted(path) for e in d.events]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.02)
        return predicate()
