"""The lab's load balancer against a real backend on loopback: thresholds, the start-up window, Envoy's
local replies for a backend it cannot use, and bytes forwarded both ways (what WebSocket needs)."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from infraprobe.lab.balancer import Balancer, HealthCheck, State
from infraprobe.testing.certs import CertAuthority
from infraprobe.testing.httpservers import HttpServer, Reply, Request, WsServer

pytestmark = pytest.mark.asyncio


@dataclass
class Backend:
    healthy: bool = True

    async def __call__(self, request: Request) -> Reply:
        if request.target == "/health/ready":
            return Reply(200 if self.healthy else 503, b"{}")
        return Reply(200, b"from the backend", [("server", "uvicorn")])


@dataclass
class Front:
    balancer: Balancer
    port: int
    client: ssl.SSLContext


def _check(unhealthy: int = 2, window: float | None = None) -> HealthCheck:
    return HealthCheck("/health/ready", 0.05, 0.5, 1, unhealthy, window)


async def _front(tmp_path: Path, backend_port: int, check: HealthCheck) -> Front:
    ca = CertAuthority()
    tls = ca.issue("localhost").server_context(tmp_path, "lb")
    sock = socket.create_server(("127.0.0.1", 0))
    sock.setblocking(False)

    def connect() -> asyncio.Future[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
        return asyncio.ensure_future(asyncio.open_connection("127.0.0.1", backend_port))

    balancer = await Balancer(sock, tls, connect, check, tmp_path / "lb.log").start()
    client = ssl.create_default_context(cafile=str(ca.write(tmp_path / "ca.crt")))
    return Front(balancer, sock.getsockname()[1], client)


@pytest.fixture
async def backend() -> AsyncIterator[tuple[Backend, HttpServer]]:
    app = Backend()
    async with HttpServer(app) as server:
        yield app, server


async def _get(front: Front, path: str = "/") -> tuple[str, bytes]:
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", front.port, ssl=front.client, server_hostname="localhost"
    )
    writer.write(f"GET {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n".encode())
    data = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return head.decode(), body


async def _until(front: Front, state: State) -> None:
    for _ in range(200):
        if front.balancer.state == state:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"balancer stayed {front.balancer.state}, never {state}")


async def test_routes_to_a_healthy_backend_and_answers_for_a_dead_one(
    tmp_path: Path, backend: tuple[Backend, HttpServer]
) -> None:
    app, server = backend
    front = await _front(tmp_path, server.port, _check())
    try:
        await _until(front, State.UP)
        head, body = await _get(front)
        assert head.startswith("HTTP/1.1 200") and body == b"from the backend"
        app.healthy = False
        await _until(front, State.DOWN)
        head, body = await _get(front)
        assert head.startswith("HTTP/1.1 503") and "server: envoy" in head and body == b"no healthy upstream"
    finally:
        await front.balancer.close()
    log = (tmp_path / "lb.log").read_text()
    assert "backend marked UP" in log and "backend marked DOWN after 2 failed health checks" in log


async def test_failures_within_the_startup_window_do_not_count(
    tmp_path: Path, backend: tuple[Backend, HttpServer]
) -> None:
    app, server = backend
    app.healthy = False
    front = await _front(tmp_path, server.port, _check(window=30))
    try:
        for _ in range(250):
            if front.balancer.checks_done >= 5:
                break
            await asyncio.sleep(0.02)
        assert front.balancer.state == State.UNKNOWN  # never marked down, never sent traffic either
        head, _ = await _get(front)
        assert head.startswith("HTTP/1.1 503")
    finally:
        await front.balancer.close()
    assert "within its start-up window; not counted" in (tmp_path / "lb.log").read_text()


async def test_a_websocket_passes_through(tmp_path: Path) -> None:
    async with WsServer("echo") as ws:
        # The echo server has no health route (426 to a plain GET): a start-up window keeps the failures
        # from counting, and the test routes to it as a balancer does to a backend it trusts.
        front = await _front(tmp_path, ws.port, _check(window=3600))
        try:
            front.balancer.state = State.UP
            async with connect(f"wss://localhost:{front.port}/ws", ssl=front.client) as conn:
                await conn.send("ping through the balancer")
                assert await asyncio.wait_for(conn.recv(), 5) == "ping through the balancer"
        finally:
            await front.balancer.close()
