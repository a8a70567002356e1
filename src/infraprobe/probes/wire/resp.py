"""A tiny RESP2 client: commands out, replies in, nothing else.

redis-py costs about 8x a bare RESP exchange per probe (PERF-FACTS.md: it sends CLIENT SETINFO on every
connection and builds a pool per client), and a probe needs five commands. The parser is sans-I/O
(h11's lesson): `RespParser` works on bytes, so it is tested on literals and shared by the async client
here and the synchronous helper in `infraprobe.testing.redis`.

Every size is bounded: a probe talks to servers it does not trust to be healthy, and a broken or hostile
peer must not make it buffer without limit.

    RespError                 root
    ├── RedisReplyError       the server answered with an error reply; str() is the reply text
    └── RespProtocolError     the bytes are not RESP2, or exceed a bound
        └── NotResp           a reply's first byte is no RESP2 type: another protocol answers
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Final, TypeAlias

Reply: TypeAlias = "str | int | bytes | list[Reply] | RedisReplyError | None"
Arg: TypeAlias = str | bytes | int | float

MAX_LINE: Final = 64 * 1024  # simple strings, errors and headers are short; INFO comes as a bulk string
MAX_BULK: Final = 4 * 1024 * 1024
MAX_ITEMS: Final = 4096
MAX_DEPTH: Final = 8
TYPE_BYTES: Final = (b"+", b"-", b":", b"$", b"*")


class RespError(Exception):
    """Root of the errors this module raises."""


class RedisReplyError(RespError):
    """An error reply. The text is the server's own, e.g. `NOAUTH Authentication required.`"""

    @property
    def prefix(self) -> str:
        """The error code: the first word of the reply (`NOAUTH`, `WRONGPASS`, `ERR`, ...)."""
        return str(self).split(" ", 1)[0]


class RespProtocolError(RespError):
    """The peer sent something that is not a RESP2 reply, or one larger than our bounds."""


class NotResp(RespProtocolError):
    """A reply's first byte is none of RESP2's five types: the peer speaks another protocol (a MySQL
    greeting, an HTTP status line, a TLS alert), decided from that byte rather than at the deadline."""


class Incomplete:
    """Marker: the buffer does not yet hold a whole reply."""


INCOMPLETE: Final = Incomplete()


def encode(*args: Arg) -> bytes:
    """One command as a RESP array of bulk strings (the only form servers must accept)."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


class RespParser:
    """Incremental RESP2 reply parser: `feed()` bytes, then `next()` until it returns INCOMPLETE."""

    def __init__(self, max_bulk: int = MAX_BULK, max_items: int = MAX_ITEMS) -> None:
        self._buf = bytearray()
        self._max_bulk = max_bulk
        self._max_items = max_items

    def feed(self, data: bytes) -> None:
        self._buf += data

    def next(self) -> Reply | Incomplete:
        """Return one whole reply and consume it, or INCOMPLETE without consuming anything."""
        parsed = self._parse(0, 0)
        if parsed is None:
            if len(self._buf) > self._max_bulk + MAX_LINE:
                raise RespProtocolError(f"reply larger than {self._max_bulk} bytes")
            return INCOMPLETE
        reply, end = parsed
        del self._buf[:end]
        return reply

    def _parse(self, pos: int, depth: int) -> tuple[Reply, int] | None:
        if depth == 0 and self._buf and bytes(self._buf[:1]) not in TYPE_BYTES:
            # Checked before looking for CRLF: a server that speaks first may never send one.
            raise NotResp(f"not a RESP2 reply (starts with {bytes(self._buf[:16])!r})")
        line_end = self._buf.find(b"\r\n", pos, pos + MAX_LINE)
        if line_end < 0:
            if len(self._buf) - pos > MAX_LINE:
                raise RespProtocolError("reply line longer than 64 KiB")
            return None
        kind, body, after = self._buf[pos : pos + 1], bytes(self._buf[pos + 1 : line_end]), line_end + 2
        if kind == b"+":
            return body.decode(errors="replace"), after
        if kind == b"-":
            return RedisReplyError(body.decode(errors="replace")), after
        if kind == b":":
            return _int(body), after
        if kind == b"$":
            return self._bulk(_int(body), after)
        if kind == b"*":
            return self._array(_int(body), after, depth)
        raise RespProtocolError(f"not a RESP2 reply (starts with {bytes(kind)!r})")

    def _bulk(self, size: int, start: int) -> tuple[Reply, int] | None:
        if size < 0:
            return None, start  # $-1: the nil bulk string
        if size > self._max_bulk:
            raise RespProtocolError(f"bulk reply of {size} bytes exceeds the {self._max_bulk}-byte bound")
        end = start + size
        if len(self._buf) < end + 2:
            return None
        if self._buf[end : end + 2] != b"\r\n":
            raise RespProtocolError("bulk reply not terminated by CRLF")
        return bytes(self._buf[start:end]), end + 2

    def _array(self, count: int, pos: int, depth: int) -> tuple[Reply, int] | None:
        if count < 0:
            return None, pos  # *-1: the nil array
        if count > self._max_items or depth >= MAX_DEPTH:
            raise RespProtocolError(f"array of {count} items at depth {depth} exceeds the bounds")
        items: list[Reply] = []
        for _ in range(count):
            parsed = self._parse(pos, depth + 1)
            if parsed is None:
                return None
            item, pos = parsed
            items.append(item)
        return items, pos


def _int(body: bytes) -> int:
    try:
        return int(body)
    except ValueError:
        raise RespProtocolError(f"expected an integer, got {body[:40]!r}") from None


class RespClient:
    """Commands over one asyncio stream. Not a pool, not reconnecting: a probe uses it once and closes."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._parser = RespParser()

    async def call(self, *args: Arg) -> Reply:
        """Send one command and return its reply; an error reply is raised as RedisReplyError."""
        (reply,) = await self.pipeline(args)
        return reply

    async def pipeline(self, *commands: Sequence[Arg]) -> list[Reply]:
        """Send all commands in one write and read one reply each (one round trip).

        The first error reply is raised at once, without reading the rest: a server that refuses a client
        (`max number of clients reached`) closes right after its error, and waiting for more replies would
        turn its clear answer into a reset. The connection is then unusable; close it.
        """
        self._writer.write(b"".join(encode(*cmd) for cmd in commands))
        replies: list[Reply] = []
        for _ in commands:
            reply = await self._read()
            if isinstance(reply, RedisReplyError):
                raise reply
            replies.append(reply)
        return replies

    async def _read(self) -> Reply:
        while isinstance(reply := self._parser.next(), Incomplete):
            data = await self._reader.read(65536)
            if not data:
                raise ConnectionResetError("the server closed the connection before replying")
            self._parser.feed(data)
        return reply


def text(reply: Reply) -> str:
    """A reply as text: bulk strings are bytes on the wire, status replies are already str."""
    if isinstance(reply, bytes):
        return reply.decode(errors="replace")
    return "" if reply is None else str(reply)


def info_fields(reply: Reply, keys: Iterable[str]) -> dict[str, str]:
    """The named `key:value` fields of an INFO reply; absent keys are left out.

    Finding a dozen keys is about 4x faster than splitting INFO's ~200 lines, and a probe runs often.
    """
    body = "\r\n" + text(reply)
    fields: dict[str, str] = {}
    for key in keys:
        at = body.find(f"\r\n{key}:")
        if at >= 0:
            start = at + len(key) + 3
            end = body.find("\r", start)
            fields[key] = body[start : end if end >= 0 else len(body)]
    return fields
