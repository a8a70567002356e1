"""The load balancer in front of the backend: health checks with an interval and thresholds, and a proxy
that forwards bytes (so WebSocket upgrades pass) to a healthy backend and answers for a dead one.

Its answers for a backend it cannot use are Envoy's local replies (503 `no healthy upstream`, 503
`upstream connect error ...`, `server: envoy` without `x-envoy-upstream-service-time`), because that is
what a probe meets behind a real cloud load balancer. Every decision goes to its log file, one line each.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

Connect = Callable[[], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]
MAX_HEAD = 64 * 1024
NO_HEALTHY = b"no healthy upstream"
CONNECT_ERROR = b"upstream connect error or disconnect/reset before headers. reset reason: connection failure"


class State(enum.StrEnum):
    UNKNOWN = "unknown"  # not checked enough yet: no traffic, as a new backend gets none
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True)
class HealthCheck:
    path: str
    interval: float
    timeout: float
    healthy_threshold: int
    unhealthy_threshold: int
    startup_window: float | None  # failures within this many seconds of start do not count


@dataclass
class _Counts:
    ok: int = 0
    failed: int = 0
    checks: int = 0


class Balancer:
    """Serve on `listener` (TLS with `tls`), forward to the backend reached by `connect`."""

    def __init__(
        self, listener: socket.socket, tls: ssl.SSLContext, connect: Connect, check: HealthCheck, log: Path
    ) -> None:
        self._listener, self._tls, self._connect, self._check = listener, tls, connect, check
        self._log: TextIO = log.open("a", buffering=1)
        self.state = State.UNKNOWN
        self._counts = _Counts()
        self._started = time.monotonic()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def checks_done(self) -> int:
        return self._counts.checks

    async def start(self) -> Balancer:
        self._server = await asyncio.start_server(self._serve, sock=self._listener, ssl=self._tls)
        self._spawn(self._health_loop())
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._log.close()

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _write(self, line: str) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        self._log.write(f"[{stamp}Z] {line}\n")

    # -- health checking ------------------------------------------------------------------------------

    async def _health_loop(self) -> None:
        while True:
            ok, detail = await self._probe()
            self._record(ok, detail)
            await asyncio.sleep(self._check.interval)

    async def _probe(self) -> tuple[bool, str]:
        try:
            async with asyncio.timeout(self._check.timeout):
                reader, writer = await self._connect()
                try:
                    writer.write(
                        f"GET {self._check.path} HTTP/1.1\r\nhost: backend\r\nconnection: close\r\n\r\n".encode()
                    )
                    status = (await reader.readline()).decode("latin-1").strip()
                finally:
                    writer.transport.abort()
        except TimeoutError:
            return False, f"timed out after {self._check.timeout:g}s"
        except OSError as exc:
            return False, f"{type(exc).__name__}: {exc.strerror or exc}"
        return status.split(" ")[1:2] == ["200"], status or "no response"

    def _record(self, ok: bool, detail: str) -> None:
        counts = self._counts
        counts.checks += 1
        counts.ok, counts.failed = (counts.ok + 1, 0) if ok else (0, counts.failed + 1)
        if ok and counts.ok >= self._check.healthy_threshold and self.state != State.UP:
            self._move(State.UP, f"after {counts.ok} passed health check(s) ({detail})")
        elif not ok and self.state != State.DOWN and counts.failed >= self._check.unhealthy_threshold:
            if self._in_startup_window():
                self._write(
                    f"health_check: backend failing ({detail}) within its start-up window; not counted"
                )
                return
            self._move(State.DOWN, f"after {counts.failed} failed health checks: {detail}")

    def _in_startup_window(self) -> bool:
        window = self._check.startup_window
        return window is not None and time.monotonic() - self._started < window

    def _move(self, state: State, why: str) -> None:
        self._write(f"health_check: backend marked {state.value.upper()} {why}")
        self.state = state

    # -- proxying -------------------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            await self._route(head, reader, writer)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # a client that goes away or sends no request: nothing to route
        finally:
            writer.transport.abort()

    async def _route(self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = head.split(b"\r\n", 1)[0].decode("latin-1")
        if self.state != State.UP:
            self._write(f'"{request}" 503 UH no healthy upstream (backend {self.state.value})')
            await _local_reply(writer, NO_HEALTHY)
            return
        try:
            up_reader, up_writer = await asyncio.wait_for(self._connect(), 2)
        except (OSError, TimeoutError) as exc:
            self._write(f'"{request}" 503 UF upstream connect error: {exc}')
            await _local_reply(writer, CONNECT_ERROR)
            return
        self._write(f'"{request}" forwarded')
        up_writer.write(head)
        try:
            await _pipe_both(reader, writer, up_reader, up_writer)
        finally:
            up_writer.transport.abort()


async def _local_reply(writer: asyncio.StreamWriter, body: bytes) -> None:
    head = (
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\nserver: envoy\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    writer.write(head.encode() + body)
    await writer.drain()


async def _pipe_both(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    up_reader: asyncio.StreamReader,
    up_writer: asyncio.StreamWriter,
) -> None:
    """Copy both directions until either side closes (a WebSocket lives here until it ends)."""
    tasks = [asyncio.ensure_future(_pipe(reader, up_writer)), asyncio.ensure_future(_pipe(up_reader, writer))]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
