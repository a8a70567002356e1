"""Shared helpers for the health endpoint tests: a scripted checker, results, clients, a real server."""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from infraprobe.config.model import ComponentBase
from infraprobe.probes.tcp import TcpCheck
from infraprobe.result import CheckResult, Diagnosis, Status
from infraprobe.taxonomy import Cause, Component
from tests.conftest import started

# The reference backend lives in examples/, outside the installed package.
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def tcp(name: str, port: int = 9, **kw: Any) -> TcpCheck:
    return TcpCheck(name=name, host="127.0.0.1", port=port, **kw)


def result(
    component: ComponentBase, status: Status = Status.OK, cause: Cause | None = None, message: str = "ok"
) -> CheckResult:
    diagnosis = Diagnosis.of(cause, Component.TCP, message) if cause else None
    return CheckResult(
        component=component.name,
        kind=component.kind,
        status=status,
        started_at=datetime(2025, 1, 1, tzinfo=UTC),
        duration=0.012,
        facts={"peer": "192.0.2.15:5432"},
        diagnosis=diagnosis,
        message=message,
        critical=component.critical,
    )


class FakeChecker:
    """A scripted Runner: per-component outcomes, an optional delay, counts of calls and concurrency."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.outcomes: dict[str, tuple[Status, Cause | None, str]] = {}
        self.hang: set[str] = set()
        self.calls: Counter[str] = Counter()
        self.in_flight: Counter[str] = Counter()
        self.max_in_flight: Counter[str] = Counter()

    def set(self, name: str, status: Status, cause: Cause | None = None, message: str = "") -> None:
        self.outcomes[name] = (status, cause, message or status.value)

    async def check(self, component: ComponentBase) -> CheckResult:
        name = component.name
        self.calls[name] += 1
        self.in_flight[name] += 1
        self.max_in_flight[name] = max(self.max_in_flight[name], self.in_flight[name])
        try:
            if name in self.hang:
                await asyncio.Event().wait()
            if self.delay:
                await asyncio.sleep(self.delay)
            status, cause, message = self.outcomes.get(name, (Status.OK, None, "ok"))
            return result(component, status, cause, message)
        finally:
            self.in_flight[name] -= 1


@pytest.fixture
def checker() -> FakeChecker:
    return FakeChecker()


@asynccontextmanager
async def client(app: Any, token: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client: requests go straight to the ASGI app, no sockets."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app", headers=headers) as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serve(app: Any, *, lifespan: str = "on") -> Iterator[str]:
    """Run `app` under a real uvicorn on a free loopback port, in its own thread and event loop."""
    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), lifespan=lifespan, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def pg() -> Iterator[Any]:
    """A throwaway PostgreSQL cluster of this test's own (a copy of a per-process template)."""
    from infraprobe.testing.postgres import PostgresServer

    server = started(PostgresServer())
    yield server
    server.close()


@pytest.fixture
def redis_server() -> Iterator[Any]:
    """A throwaway redis-server of this test's own, with a password."""
    from infraprobe.testing.redis import RedisServer

    server = started(RedisServer(password="redis-pass-4-tests"))
    yield server
    server.close()


async def poll(get: Any, url: str, want: int, within: float) -> float:
    """Poll `url` until it answers `want`; return how long that took (fails the test after `within`)."""
    start = time.monotonic()
    while True:
        if (await get(url)).status_code == want:
            return time.monotonic() - start
        assert time.monotonic() - start < within, f"{url} never answered {want} within {within}s"
        await asyncio.sleep(0.02)


async def hammer(base: str, path: str, total: int, connections: int = 8) -> list[int]:
    """`total` GETs over `connections` keep-alive connections; returns status codes. Far lighter than httpx,
    so the server, not the client, is what the time measures."""
    host, port = base.removeprefix("http://").split(":")
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    codes: list[int] = []

    async def worker(count: int) -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        for _ in range(count):
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            codes.append(int(head.split(b" ", 2)[1]))
        writer.close()

    share, extra = divmod(total, connections)
    await asyncio.gather(*(worker(share + (i < extra)) for i in range(connections)))
    return codes
