"""The served protocol writes an answer once: a write waits for the next one or the loop's turn."""

from __future__ import annotations

import asyncio
import socket

from dialgate.api.http_protocol import JoinedWrites, JoinedWritesProtocol
from tests.support.apiserver import LoopbackServer


class Recording:
    """A transport that keeps what it is given."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_write_buffer_size(self) -> int:
        return 7

    def get_extra_info(self, name: str, default: object = None) -> object:
        return {"peername": ("127.0.0.1", 5)}.get(name, default)


def test_a_write_goes_out_with_the_next_one_or_after_the_loops_turn():
    async def main() -> None:
        transport = Recording()
        joined = JoinedWrites(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
        joined.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        assert transport.writes == []
        assert joined.get_write_buffer_size() == 7 + 38  # flow control sees what waits here
        joined.write(b"{}")
        assert transport.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"]  # at once, as one
        joined.write(b"a head")
        await asyncio.sleep(0)
        assert transport.writes[1:] == [b"a head"]  # nothing followed it in that turn
        await asyncio.sleep(0)
        assert len(transport.writes) == 2
        assert joined.get_extra_info("peername") == ("127.0.0.1", 5)  # the rest is the transport's

    asyncio.run(main())


def test_closing_first_writes_what_waits_and_a_closed_transport_gets_nothing():
    async def main() -> None:
        transport = Recording()
        joined = JoinedWrites(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
        joined.write(b"last words")
        joined.close()
        assert transport.writes == [b"last words"] and transport.closed
        joined.write(b"too late")
        await asyncio.sleep(0)
        assert transport.writes == [b"last words"]

    asyncio.run(main())


async def _app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"6000")]})
    await send({"type": "http.response.body", "body": b"hello " * 1000})


def _reply(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_over_a_socket_every_answer_arrives_whole_and_closing_loses_nothing():
    with LoopbackServer(_app) as server:
        port = int(server.url.rsplit(":", 1)[1])
        for _ in range(20):  # HTTP/1.0: the server closes the connection right after the answer
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
                head, _, body = _reply(sock).partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200") and body == b"hello " * 1000
        with socket.create_connection(("127.0.0.1", port)) as sock:  # two requests at once, kept alive
            sock.sendall(
                b"GET / HTTP/1.1\r\nhost: x\r\n\r\n" * 2
                + b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
            )
            assert _reply(sock).count(b"hello " * 1000) == 3


def test_dialgate_serve_names_this_protocol_to_uvicorn():
    from uvicorn.importer import import_from_string

    from dialgate.cli import serve

    assert import_from_string(serve.HTTP_PROTOCOL) is JoinedWritesProtocol
