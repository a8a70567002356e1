"""The monitor's one small HTTP server: HTTP/1.1 with keep-alive (h11) on the monitor's own event loop.

Handlers are tried in order; the first that answers (a `Reply`, or a `Stream` for server-sent events) wins,
and a request nobody answers is a 404. No thread per request and no framework: the metrics endpoint and the
status page are a few routes each, and both must never make probing wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import h11

_REQUEST_BYTES = 16 * 1024  # a scrape or a page request is a few hundred bytes; anything larger is not one


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: tuple[tuple[bytes, bytes], ...] = ()

    @classmethod
    def of(cls, event: h11.Request) -> Request:
        path, _, query = event.target.decode("ascii", "replace").partition("?")
        headers = tuple((bytes(k).lower(), bytes(v)) for k, v in event.headers)
        return cls(event.method.decode("ascii", "replace"), path, parse_qs(query), headers)


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Stream:
    """A response sent piece by piece until `chunks` ends or the client goes away (server-sent events)."""

    content_type: str
    chunks: AsyncIterator[bytes]
    headers: tuple[tuple[str, str], ...] = field(default=())


Handler = Callable[[Request], Awaitable[Reply | Stream | None]]  # None: not this handler's route
NOT_FOUND = Reply(404, b"not found\n", "text/plain; charset=utf-8")


class HttpServer:
    def __init__(self, handlers: Sequence[Handler], host: str, port: int) -> None:
        self.handlers, self.host, self.port = list(handlers), host, port
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def start(self) -> HttpServer:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        """Stop listening and end every connection, open event streams included."""
        if self._server is not None:
            self._server.close()
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)
            await self._server.wait_closed()

    async def answer(self, request: Request) -> Reply | Stream:
        for handler in self.handlers:
            reply = await handler(request)
            if reply is not None:
                return reply
        return NOT_FOUND

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=_REQUEST_BYTES)
        try:
            while (request := await _next_request(conn, reader)) is not None:
                reply = await self.answer(request)
                if isinstance(reply, Stream):
                    await _stream(conn, writer, reply)
                    break
                writer.write(_encode(conn, reply, request.method))
                await writer.drain()
                if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                    break
                conn.start_next_cycle()
        except (OSError, h11.ProtocolError, asyncio.CancelledError):
            pass  # a client that goes away or does not speak HTTP, or the server closing: nothing to answer
        finally:
            writer.close()
            if task is not None:
                self._connections.discard(task)


async def _next_request(conn: h11.Connection, reader: asyncio.StreamReader) -> Request | None:
    """The next complete request on this connection, or None when the client is done."""
    request: Request | None = None
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            data = await reader.read(_REQUEST_BYTES)
            if not data:
                return None
            conn.receive_data(data)
        elif isinstance(event, h11.Request):
            request = Request.of(event)
        elif isinstance(event, h11.EndOfMessage):
            return request
        elif isinstance(event, h11.ConnectionClosed):
            return None


def _encode(conn: h11.Connection, reply: Reply, method: str = "GET") -> bytes:
    headers = [
        ("content-type", reply.content_type),
        ("content-length", str(len(reply.body))),
        *reply.headers,
    ]
    head = conn.send(h11.Response(status_code=reply.status, headers=headers)) or b""
    body = b"" if method == "HEAD" else (conn.send(h11.Data(data=reply.body)) or b"")
    return head + body + (conn.send(h11.EndOfMessage()) or b"")


async def _stream(conn: h11.Connection, writer: asyncio.StreamWriter, stream: Stream) -> None:
    # No content-length: h11 sends the body chunked, which is what EventSource reads.
    headers = [("content-type", stream.content_type), *stream.headers]
    writer.write(conn.send(h11.Response(status_code=200, headers=headers)) or b"")
    async for chunk in stream.chunks:
        writer.write(conn.send(h11.Data(data=chunk)) or b"")
        await writer.drain()
    writer.write(conn.send(h11.EndOfMessage()) or b"")
    await writer.drain()


def parse_listen(value: str) -> tuple[str, int]:
    """`127.0.0.1:9115`, `[::1]:9115` or `:9115` (loopback) -> (host, port)."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"expected HOST:PORT, got {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)
