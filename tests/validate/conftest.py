"""Real servers on loopback for the validation tests: a healthy app, a flapping endpoint, a slow starter,
and a login + WebSocket pair whose WebSocket accepts only the current token."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request as WsRequest
from websockets.http11 import Response as WsResponse

from infraprobe.configfile import LoadedConfig, load_config
from infraprobe.testing.httpservers import DemoApp, HttpServer, Reply, Request

GOOD_TOKEN = "tok-4f9a1c2e8b7d"
STALE_TOKEN = "tok-0000dead0000"


@dataclass
class Flapping:
    """Every other request fails with 503, as a backend behind a half-broken pool does."""

    count: int = 0

    async def __call__(self, request: Request) -> Reply:
        self.count += 1
        return Reply(200, b"ok") if self.count % 2 else Reply(503, b"busy, try again")


@dataclass
class SlowStart:
    """503 until `ready_after` seconds after the test started it, 200 from then on."""

    ready_after: float
    started: float = field(default_factory=time.monotonic)

    async def __call__(self, request: Request) -> Reply:
        if time.monotonic() - self.started < self.ready_after:
            return Reply(503, b"starting")
        return Reply(200, b"ready")


@dataclass
class Login:
    """POST /login answers {"token": ...}: the current token, or a stale one the WebSocket refuses."""

    token: str = GOOD_TOKEN

    async def __call__(self, request: Request) -> Reply:
        if request.method != "POST" or request.target != "/login":
            return Reply(404, b"not found")
        user = json.loads(request.body or b"{}").get("user")
        if user != "probe":
            return Reply(401, b"who are you?")
        return Reply(
            200, json.dumps({"token": self.token, "ttl": 60}).encode(), [("content-type", "application/json")]
        )


class AuthWebSocket:
    """A WebSocket that accepts only `Authorization: Bearer GOOD_TOKEN` and answers `subscribe` with two events."""

    def __init__(self) -> None:
        self.port = 0

    def url(self, path: str = "/events") -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    async def __aenter__(self) -> AuthWebSocket:
        self._server = await serve(self._handle, "127.0.0.1", 0, process_request=self._gate)
        self.port = next(iter(self._server.sockets)).getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        await self._server.wait_closed()

    def _gate(self, connection: ServerConnection, request: WsRequest) -> WsResponse | None:
        if request.headers.get("authorization") != f"Bearer {GOOD_TOKEN}":
            return connection.respond(403, "invalid token\n")
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        async for message in ws:
            if "subscribe" in str(message):
                await ws.send('{"event": "subscribed"}')
                await ws.send('{"event": "order.created", "id": 1}')


@pytest.fixture
async def app() -> AsyncIterator[HttpServer]:
    async with HttpServer(DemoApp()) as server:
        yield server


@pytest.fixture
async def flapping() -> AsyncIterator[HttpServer]:
    async with HttpServer(Flapping()) as server:
        yield server


@pytest.fixture
async def login() -> AsyncIterator[tuple[HttpServer, Login]]:
    handler = Login()
    async with HttpServer(handler) as server:
        yield server, handler


@pytest.fixture
async def events() -> AsyncIterator[AuthWebSocket]:
    async with AuthWebSocket() as server:
        yield server


@pytest.fixture
def write_env(tmp_path: Path) -> Callable[[str], LoadedConfig]:
    """Write a config next to the test's log files and load it (relative log paths resolve there)."""

    def write(text: str) -> LoadedConfig:
        path = tmp_path / "env.yaml"
        path.write_text(text)
        return load_config(path, env={})

    return write
