"""HTTP/1.1 over a connection the probe opened itself: send, first byte, transfer.

Owning the socket is what makes the phases exact and lets the cached SSL context be reused. The connection
is asyncio streams (TLS) or a bare socket (clear text: streams cost as much CPU as the rest of a probe's
exchange). The response is read by `http1_parse`, a strict reader of exactly what a one-request client
needs. Every read is bounded: the head (interim 1xx heads included) by MAX_HEAD_BYTES, a chunk's size line
and the trailer likewise, the body by a byte cap, time by the runner's deadline, so a hostile or broken
server can neither exhaust memory nor hold the probe.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import re
import socket
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol

from infraprobe.probes.wire.http1_parse import (
    BLANK_LINE,
    Framing,
    Head,
    NotHttp,
    ProtocolViolation,
    check_start,
    chunk_size,
    framing,
    header_allowed,
    parse_head,
    trailer_field,
)

MAX_HEAD_BYTES = 64 * 1024
READ_CHUNK = 64 * 1024
_TARGET = re.compile(r"[\x21-\x7e]+")


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
        self._buf = b""  # received and not yet consumed
        self._received = 0
        self._head_bytes = 0  # consumed by heads so far (interim 1xx ones too)
        self._method = "GET"

    @property
    def answered(self) -> bool:
        """Whether the peer sent any byte of a response."""
        return self._received > 0

    async def send(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes | None
    ) -> None:
        self._method = method
        head = request_head(method, target, tuple(headers))
        await self._channel.send(head + body if body else head)

    async def read_head(self) -> Head:
        """Wait for the status line and headers, skipping 1xx interim responses."""
        while True:
            head = parse_head(await self._head_bytes_())
            if head.status >= 200:
                return head

    async def read_body(self, head: Head, cap: int) -> tuple[bytes, bool]:
        """Read the body up to `cap` bytes; (body, truncated). Stops reading at the cap, not after."""
        how, length = framing(head, self._method)
        body = bytearray()
        if how is Framing.CHUNKED:
            await self._chunked(body, cap)
        elif how is Framing.LENGTH:
            await self._take(
                body, length, cap, f"in the middle of the response body ({{got}} of {length} bytes)"
            )
        else:
            await self._take(body, None, cap, "")
        return (bytes(body[:cap]), True) if len(body) > cap else (bytes(body), False)

    async def _head_bytes_(self) -> bytes:
        searched = 0
        while (end := BLANK_LINE.search(self._buf, searched)) is None:
            searched = max(0, len(self._buf) - 2)
            if self._head_bytes + len(self._buf) > MAX_HEAD_BYTES:
                raise ProtocolViolation(f"response head larger than {MAX_HEAD_BYTES} bytes")
            if not await self._more():
                raise self._closed_early("in the response head" if self._buf else "before answering")
            if self._head_bytes == 0:
                check_start(self._buf)
        if self._head_bytes + end.end() > MAX_HEAD_BYTES:
            raise ProtocolViolation(f"response head larger than {MAX_HEAD_BYTES} bytes")
        raw, self._buf = self._buf[: end.end()], self._buf[end.end() :]
        self._head_bytes += len(raw)
        return raw

    async def _take(self, body: bytearray, count: int | None, cap: int, where: str) -> bool:
        """Move `count` more bytes (None: all until the server closes) into `body`, never past `cap` + 1.
        False when the cap stopped it. EOF before `count` is a connection closed `where` ({got}: bytes so far)."""
        want = cap + 1 if count is None else min(len(body) + count, cap + 1)
        start = len(body)
        while True:
            take = self._buf[: want - len(body)]
            body += take
            self._buf = self._buf[len(take) :]
            if len(body) >= want:
                return len(body) <= cap
            if not await self._more():
                if count is None:
                    return True
                raise self._closed_early(where.format(got=len(body) - start))

    async def _chunked(self, body: bytearray, cap: int) -> None:
        chunk = 0
        while True:
            chunk += 1
            size = chunk_size(await self._line(f"chunk {chunk}'s size line"), chunk)
            if size == 0:
                await self._trailer()
                return
            where = f"in the middle of chunk {chunk} ({{got}} of its {size} bytes)"
            if not await self._take(body, size, cap, where):
                return
            if await self._exactly(2, f"after chunk {chunk}") != b"\r\n":
                raise ProtocolViolation(f"chunk {chunk}: its {size} data bytes are not followed by CRLF")

    async def _trailer(self) -> None:
        number = 0
        while line := await self._line("the chunked trailer"):
            number += 1
            trailer_field(number, line)

    async def _line(self, what: str) -> bytes:
        """One CRLF-ended line of the chunked framing (CRLF dropped), at most MAX_HEAD_BYTES long."""
        while (end := self._buf.find(b"\r\n")) < 0:
            if len(self._buf) > MAX_HEAD_BYTES:
                raise ProtocolViolation(f"{what} is longer than {MAX_HEAD_BYTES} bytes")
            if not await self._more():
                raise self._closed_early(f"in the middle of the chunked response body ({what})")
        line, self._buf = self._buf[:end], self._buf[end + 2 :]
        return line

    async def _exactly(self, size: int, what: str) -> bytes:
        while len(self._buf) < size:
            if not await self._more():
                raise self._closed_early(f"in the middle of the chunked response body ({what})")
        data, self._buf = self._buf[:size], self._buf[size:]
        return data

    async def _more(self) -> bool:
        """Receive once; False at EOF."""
        data = await self._channel.recv(READ_CHUNK)
        self._received += len(data)
        self._buf += data
        return bool(data)

    def _closed_early(self, where: str) -> ConnectionResetError:
        # Like http.client's RemoteDisconnected (a ConnectionResetError): the peer hung up mid-exchange.
        return ConnectionResetError(errno.ECONNRESET, f"server closed the connection {where}")


@functools.lru_cache(maxsize=256)
def request_head(method: str, target: str, headers: tuple[tuple[str, str], ...]) -> bytes:
    """The request's bytes up to its blank line, checked and encoded once: a check sends the same request
    every time. A target or header that would break the framing is refused, never sent."""
    if _TARGET.fullmatch(target) is None:
        raise ValueError(f"request target {target!r} has a space, control or non-ASCII character")
    lines = [f"{method} {target} HTTP/1.1"]
    for name, value in headers:
        if not header_allowed(name, value):
            raise ValueError(f"request header {name!r} has a character HTTP does not allow in a header")
        lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


__all__ = [
    "Head",
    "NotHttp",
    "ProtocolViolation",
    "Response",
    "Socket",
    "Streams",
    "Wire",
    "header_allowed",
    "request_head",
]
