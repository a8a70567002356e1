"""HTTP/1.1 over a connection the probe opened itself, framed by h11: send, first byte, transfer.

Owning the socket is what makes the phases exact and lets the cached SSL context be reused. The connection
is asyncio streams (TLS) or a bare socket (clear text: streams cost as much CPU as the rest of a probe's
exchange, and h11 needs nothing they add). Every read
is bounded: the head by h11's incomplete-event limit, the body by a byte cap, time by the runner's
deadline, so a hostile or broken server can neither exhaust memory nor hold the probe.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import socket
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol

import h11

MAX_HEAD_BYTES = 64 * 1024
READ_CHUNK = 64 * 1024


class ProtocolViolation(Exception):
    """The peer's bytes are not valid HTTP/1.1 (not an HTTP port, oversize head, broken framing)."""


class NotHttp(ProtocolViolation):
    """The peer's first bytes are not HTTP at all: another protocol answers on the port."""


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    reason: str
    http_version: str
    headers: tuple[tuple[str, str], ...]  # names lower-cased, in the order received
    body: bytes = b""
    truncated: bool = False  # the body was longer than the cap; `body` is its start

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k == name]
        return ", ".join(values) if values else None

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()


class Channel(Protocol):
    """Bytes in and out of an open connection."""

    def recv(self, size: int) -> Awaitable[bytes]: ...

    def send(self, data: bytes) -> Awaitable[None]: ...


@dataclass(slots=True)
class Streams:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    def recv(self, size: int) -> Awaitable[bytes]:
        return self.reader.read(size)

    def send(self, data: bytes) -> Awaitable[None]:
        self.writer.write(data)
        return self.writer.drain()


@dataclass(slots=True)
class Socket:
    """A connected non-blocking socket, through the event loop's own socket calls."""

    sock: socket.socket

    # Plain functions handing back the loop's own awaitables: one coroutine frame less per read and write.
    def recv(self, size: int) -> Awaitable[bytes]:
        return asyncio.get_running_loop().sock_recv(self.sock, size)

    def send(self, data: bytes) -> Awaitable[None]:
        return asyncio.get_running_loop().sock_sendall(self.sock, data)


class Wire:
    """One request/response exchange on an open connection."""

    def __init__(self, channel: Channel) -> None:
        self._channel = channel
        self._h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD_BYTES)
        self._head: h11.Response | None = None
        self._eof = False
        self._head_bytes = 0
        self._prefix = b""

    @property
    def answered(self) -> bool:
        """Whether the peer sent any byte of a response."""
        return self._head_bytes > 0

    async def send(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes | None
    ) -> None:
        out = self._h11.send(_request(method, target, tuple(headers)))
        if body:
            out += self._h11.send(h11.Data(data=body))
        out += self._h11.send(h11.EndOfMessage())
        await self._channel.send(out)

    async def read_head(self) -> h11.Response:
        """Wait for the status line and headers, skipping 1xx interim responses."""
        while True:
            event = await self._next_event()
            if isinstance(event, h11.Response):
                self._head = event
                return event
            if not isinstance(event, h11.InformationalResponse):
                raise ProtocolViolation(f"unexpected {type(event).__name__} before the response head")

    async def read_body(self, cap: int) -> tuple[bytes, bool]:
        """Read the body up to `cap` bytes; (body, truncated). Stops reading at the cap, not after."""
        body = bytearray()
        while True:
            event = await self._next_event()
            if isinstance(event, h11.Data):
                body += event.data
                if len(body) > cap:
                    return bytes(body[:cap]), True
            elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                return bytes(body), False

    async def _next_event(self) -> h11.Event:
        while True:
            try:
                event = self._h11.next_event()
            except h11.RemoteProtocolError as exc:
                if self._eof:  # the peer hung up part-way through the body
                    raise self._closed_early() from exc
                raise ProtocolViolation(str(exc)) from exc
            if event is not h11.NEED_DATA:
                assert not isinstance(event, type)  # PAUSED cannot happen: we never pipeline
                return event
            data = await self._channel.recv(self._read_size())
            if not data and self._head is None:
                raise self._closed_early()
            # At EOF after the head, h11 decides: a close-delimited body ends here, any other was cut short.
            self._eof = not data
            if self._head is None:
                self._check_prefix(data)
            self._h11.receive_data(data)

    def _check_prefix(self, data: bytes) -> None:
        """h11 only judges a head once it is complete; a service that is not HTTP (SSH, Redis, a TLS
        alert) would never complete one, so its first bytes are checked as they arrive."""
        self._prefix += data[: 5 - len(self._prefix)] if len(self._prefix) < 5 else b""
        self._head_bytes += len(data)
        if not b"HTTP/".startswith(self._prefix[:5]):
            raise NotHttp(f"the server's first bytes are not HTTP: {bytes(self._prefix)!r}")

    def _read_size(self) -> int:
        """Before the head is complete, never read past MAX_HEAD_BYTES: a head that big is refused."""
        if self._head is not None:
            return READ_CHUNK
        budget = MAX_HEAD_BYTES + 1 - self._head_bytes
        if budget <= 0:
            raise ProtocolViolation(f"response head larger than {MAX_HEAD_BYTES} bytes")
        return min(READ_CHUNK, budget)

    def _closed_early(self) -> ConnectionResetError:
        # Like http.client's RemoteDisconnected (a ConnectionResetError): the peer hung up mid-exchange.
        where = "before answering" if self._head is None else "in the middle of the response body"
        return ConnectionResetError(errno.ECONNRESET, f"server closed the connection {where}")


@functools.lru_cache(maxsize=256)
def _request(method: str, target: str, headers: tuple[tuple[str, str], ...]) -> h11.Request:
    """The request event, validated once: a check sends the same request every time, and h11's header
    validation is half the cost of sending. Events are immutable, so sharing one is safe."""
    return h11.Request(method=method, target=target, headers=list(headers))


def head_headers(head: h11.Response) -> tuple[tuple[str, str], ...]:
    return tuple((k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in head.headers)
