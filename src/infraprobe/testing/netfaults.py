"""Real network faults on loopback: refused, connect timeout, silence, reset, unreachable.

Each fault is produced by the kernel, not simulated, so a probe sees exactly the errno (or the hang) it
would see in production. All of them bind 127.0.0.1 (or ::1) only and send no traffic off the box.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket
import struct
from collections.abc import Awaitable, Callable
from types import TracebackType

ConnHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

# TCP connect() to a multicast address fails with ENETUNREACH inside the kernel (tcp_v6_connect rejects
# it before any route lookup), so this produces a genuine "network is unreachable" without a packet sent.
UNREACHABLE_V6 = "ff02::1"


class ClosedPort:
    """A port that is bound but not listening: connecting gets an immediate RST (connection refused).

    Binding without listening (instead of bind-then-close) keeps the port reserved, so no other process
    can start listening on it while a test relies on it being closed.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((host, 0))
        self.host = host
        self.port: int = self._sock.getsockname()[1]

    def __enter__(self) -> ClosedPort:
        return self

    def __exit__(self, *exc: object) -> None:
        self._sock.close()


class FullBacklogListener:
    """A listener that never accepts and whose accept queue is full: new SYNs are dropped, so a client's
    connect() hangs until its own deadline (a real connect timeout, with no firewall needed)."""

    MAX_FILLERS = 16

    def __init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(0)
        self.host = "127.0.0.1"
        self.port: int = self._listener.getsockname()[1]
        self._fillers: list[socket.socket] = []

    def __enter__(self) -> FullBacklogListener:
        # listen(0) still queues a connection or two; keep connecting until one does not complete.
        for _ in range(self.MAX_FILLERS):
            if not self._connect_filler(wait=0.1):
                return self
        raise RuntimeError("could not fill the accept queue")

    def _connect_filler(self, wait: float) -> bool:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.connect_ex((self.host, self.port))
        self._fillers.append(sock)
        _, writable, _ = select.select([], [sock], [], wait)
        return bool(writable) and sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0

    def __exit__(self, *exc: object) -> None:
        for sock in self._fillers:
            sock.close()
        self._listener.close()


class TcpServer:
    """A loopback TCP server running `handler` per connection; the base of the fault servers below."""

    def __init__(self, handler: ConnHandler, host: str = "127.0.0.1") -> None:
        self._handler = handler
        self.host = host
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def __aenter__(self) -> TcpServer:
        self._server = await asyncio.start_server(self._serve, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            await self._handler(reader, writer)
        except (OSError, asyncio.IncompleteReadError):
            pass  # the client went away; that is what these servers are for
        finally:
            self._writers.discard(writer)
            writer.transport.abort()

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    # Read (so the client's send never blocks) but never answer; ends when the client gives up.
    while await reader.read(65536):
        pass


def silent_server(host: str = "127.0.0.1") -> TcpServer:
    """Accepts and reads, never answers: a client's read times out (read_timeout)."""
    return TcpServer(_silent, host)


def reset_socket(writer: asyncio.StreamWriter) -> None:
    """Close with SO_LINGER 0, so the kernel sends RST instead of FIN: the peer sees ECONNRESET."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def resetting_server(after_bytes: bool = True) -> TcpServer:
    """Accepts, then resets the connection: after the client's first bytes, or at once."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if after_bytes:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(reader.read(65536), 5)
        reset_socket(writer)

    return TcpServer(handler)


def banner_server(banner: bytes) -> TcpServer:
    """Sends `banner` on connect (like SSH or SMTP), then waits for the client to leave."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(banner)
        await writer.drain()
        await _silent(reader, writer)

    return TcpServer(handler)


__all__ = [
    "UNREACHABLE_V6",
    "ClosedPort",
    "FullBacklogListener",
    "TcpServer",
    "banner_server",
    "reset_socket",
    "resetting_server",
    "silent_server",
]
