"""Real HTTP and WebSocket servers on loopback: a small app with healthy and failing routes, a reverse
proxy in front of a backend (dead or alive) that answers like Envoy or nginx, and WebSocket endpoints
that echo, reject, or drop the connection.

Built on h11 and websockets (runtime dependencies already), so embedders can use them without extras.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Literal

import h11
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request as WsRequest
from websockets.http11 import Response as WsResponse

from infraprobe.probes.wire.http1 import Streams, Wire

MAX_STREAM_BYTES = 256 * 1024 * 1024  # an "endless" body still ends, so no test can spin forever
CHUNK = 64 * 1024
_KNOWN_STATUSES = {s.value for s in HTTPStatus}
BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    headers: Mapping[str, str]  # lower-cased names
    body: bytes


@dataclass
class Reply:
    status: int = 200
    body: bytes | Callable[[], AsyncIterator[bytes]] = b""  # a callable streams, chunked
    headers: Sequence[tuple[str, str]] = ()


Handler = Callable[[Request], Awaitable[Reply]]


class HttpServer:
    """HTTP/1.1 on 127.0.0.1, one request per connection; TLS when given a server context."""

    def __init__(self, handler: Handler, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self._handler = handler
        self._ssl = ssl_context
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def url(self, path: str = "/", *, host: str = "127.0.0.1", userinfo: str = "") -> str:
        scheme = "https" if self._ssl else "http"
        return f"{scheme}://{userinfo + '@' if userinfo else ''}{host}:{self.port}{path}"

    async def __aenter__(self) -> HttpServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self._ssl)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            conn = h11.Connection(h11.SERVER)
            request = await _read_request(conn, reader)
            if request is not None:
                await _write_reply(conn, writer, await self._handler(request))
        except h11.RemoteProtocolError:
            # What real servers do with bytes that are not HTTP (a TLS ClientHello, say): answer 400.
            writer.write(BAD_REQUEST)
        except (OSError, h11.ProtocolError, asyncio.CancelledError):
            pass  # clients that go away, or speak nonsense, are what these servers are for
        finally:
            self._tasks.discard(task)
            writer.transport.abort()


async def _read_request(conn: h11.Connection, reader: asyncio.StreamReader) -> Request | None:
    head: h11.Request | None = None
    body = bytearray()
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            data = await reader.read(CHUNK)
            if not data:
                return None
            conn.receive_data(data)
        elif isinstance(event, h11.Request):
            head = event
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage) and head is not None:
            headers = {k.decode().lower(): v.decode("latin-1") for k, v in head.headers}
            return Request(head.method.decode(), head.target.decode(), headers, bytes(body))


async def _write_reply(conn: h11.Connection, writer: asyncio.StreamWriter, reply: Reply) -> None:
    headers = [("connection", "close"), *reply.headers]
    if isinstance(reply.body, bytes):
        headers.append(("content-length", str(len(reply.body))))
    reason = HTTPStatus(reply.status).phrase.encode() if reply.status in _KNOWN_STATUSES else b""
    writer.write(conn.send(h11.Response(status_code=reply.status, headers=headers, reason=reason)))
    if isinstance(reply.body, bytes):
        writer.write(conn.send(h11.Data(data=reply.body)) if reply.body else b"")
    else:
        async for chunk in reply.body():
            writer.write(conn.send(h11.Data(data=chunk)))
            await writer.drain()
    writer.write(conn.send(h11.EndOfMessage()))
    await writer.drain()


# --- a small application with one route per behaviour ------------------------------------------------

TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/app/main.py", line 42, in handler\n'
    "    ratio = total / count\n"
    "ZeroDivisionError: division by zero\n"
)
HEALTH_WITH_CAUSE = {
    "status": "fail",
    "cause": "app_error",
    "results": [
        {"component": "cache", "status": "ok"},
        {
            "component": "orders-db",
            "status": "fail",
            "diagnosis": {
                "cause": "db_connection_limit",
                "layer": "infrastructure",
                "component": "postgres",
                "summary": "too many clients already",
            },
        },
    ],
}
HEALTH_OUTPUT_ONLY = {
    "status": "fail",
    "checks": {
        "orders-db:connections": [{"status": "fail", "output": "FATAL:  sorry, too many clients already"}]
    },
}
JSON_DOC = {"status": "up", "db": {"ok": True, "latency_ms": 3}, "items": [{"name": "a"}, {"name": "b"}]}


def _json(status: int, doc: object, content_type: str = "application/json") -> Reply:
    return Reply(status, json.dumps(doc).encode(), [("content-type", content_type)])


async def _endless() -> AsyncIterator[bytes]:
    chunk = b"x" * CHUNK
    for _ in range(MAX_STREAM_BYTES // CHUNK):
        yield chunk


@dataclass
class DemoApp:
    """The application under test. Routes: /ok /json /error /health-cause /health-output /redirect
    /loop /endless /huge-headers /auth (basic auth with `credentials`); anything else is 404."""

    credentials: tuple[str, str] = ("probe", "s3cret-pass")
    seen: list[Request] = field(default_factory=list)

    async def __call__(self, request: Request) -> Reply:
        self.seen.append(request)
        path = request.target.split("?")[0]
        routes: dict[str, Callable[[Request], Reply]] = {
            "/ok": lambda r: Reply(200, b"ok", [("content-type", "text/plain"), ("x-app", "demo")]),
            "/json": lambda r: _json(200, JSON_DOC),
            "/error": lambda r: Reply(500, TRACEBACK.encode(), [("content-type", "text/plain")]),
            "/health-cause": lambda r: _json(503, HEALTH_WITH_CAUSE),
            "/health-output": lambda r: _json(503, HEALTH_OUTPUT_ONLY, "application/health+json"),
            "/redirect": lambda r: Reply(302, b"", [("location", "/ok")]),
            "/loop": lambda r: Reply(302, b"", [("location", "/loop")]),
            "/endless": lambda r: Reply(200, _endless, [("content-type", "application/octet-stream")]),
            "/huge-headers": lambda r: Reply(200, b"ok", [("x-filler", "y" * 100_000)]),
            "/auth": self._auth,
        }
        route = routes.get(path)
        return route(request) if route else Reply(404, b"not found", [("content-type", "text/plain")])

    def _auth(self, request: Request) -> Reply:
        token = base64.b64encode(":".join(self.credentials).encode()).decode()
        if request.headers.get("authorization") == f"Basic {token}":
            return Reply(200, b"welcome")
        return Reply(401, b"who are you?", [("www-authenticate", 'Basic realm="demo"')])


# --- a reverse proxy that really connects to its backend --------------------------------------------

ProxyStyle = Literal["envoy", "nginx"]
NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n"
)
ENVOY_503 = (
    b"upstream connect error or disconnect/reset before headers. reset reason: remote connection failure, "
    b"transport failure reason: delayed connect error: 111"
)


@dataclass
class ReverseProxy:
    """Forwards each request to `backend`; when the backend cannot be reached, answers the way Envoy
    (503, `server: envoy`) or nginx (502, its HTML error page) does. Proxied answers carry the proxy's
    headers too, as real ones do, so a probe must not blame the proxy for the application's own 5xx."""

    backend_port: int
    style: ProxyStyle = "envoy"

    async def __call__(self, request: Request) -> Reply:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", self.backend_port), 2
            )
        except (OSError, TimeoutError):
            return self._upstream_failure()
        try:
            return await self._forward(request, reader, writer)
        finally:
            writer.transport.abort()

    async def _forward(
        self, request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> Reply:
        wire = Wire(Streams(reader, writer))
        headers = [(k, v) for k, v in request.headers.items() if k != "connection"] + [
            ("connection", "close")
        ]
        await wire.send(request.method, request.target, headers, request.body or None)
        head = await wire.read_head()
        body, _ = await wire.read_body(head, 16 * 1024 * 1024)
        passed = [(k, v) for k, v in head.headers if k not in ("connection", "content-length", "server")]
        return Reply(head.status, body, [*passed, *self._stamp()])

    def _stamp(self) -> list[tuple[str, str]]:
        if self.style == "envoy":
            return [("server", "envoy"), ("x-envoy-upstream-service-time", "1")]
        return [("server", "nginx/1.25.3")]

    def _upstream_failure(self) -> Reply:
        if self.style == "envoy":
            return Reply(503, ENVOY_503, [("content-type", "text/plain"), ("server", "envoy")])
        return Reply(502, NGINX_502, [("content-type", "text/html"), ("server", "nginx/1.25.3")])


# --- WebSocket endpoints ----------------------------------------------------------------------------

WsMode = Literal["echo", "reject", "drop", "close"]


class WsServer:
    """A WebSocket endpoint on 127.0.0.1: `echo` echoes every message; `reject` refuses the upgrade with
    `status`; `drop` kills the TCP connection (no close frame) after the first message; `close` closes
    cleanly with code 1011 after the first message."""

    def __init__(
        self, mode: WsMode = "echo", *, status: int = 403, ssl_context: ssl.SSLContext | None = None
    ):
        self.mode = mode
        self.status = status
        self._ssl = ssl_context
        self.port = 0
        self._server: Server | None = None

    def url(self, path: str = "/ws", host: str = "127.0.0.1") -> str:
        return f"{'wss' if self._ssl else 'ws'}://{host}:{self.port}{path}"

    async def __aenter__(self) -> WsServer:
        self._server = await serve(
            self._handle, "127.0.0.1", 0, ssl=self._ssl, process_request=self._gate, open_timeout=5
        )
        self.port = next(iter(self._server.sockets)).getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close(close_connections=False)
        for conn in list(self._server.connections):
            conn.transport.abort()
        await self._server.wait_closed()

    def _gate(self, connection: ServerConnection, request: WsRequest) -> WsResponse | None:
        if self.mode == "reject":
            return connection.respond(self.status, "go away\n")
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):  # clients leaving abruptly is part of the tests
            await self._serve(ws)

    async def _serve(self, ws: ServerConnection) -> None:
        async for message in ws:
            if self.mode == "drop":
                ws.transport.abort()  # FIN without a close frame: the client sees 1006
                return
            if self.mode == "close":
                await ws.close(1011, "internal error")
                return
            await ws.send(message)


__all__ = [
    "ENVOY_503",
    "NGINX_502",
    "TRACEBACK",
    "DemoApp",
    "HttpServer",
    "Reply",
    "Request",
    "ReverseProxy",
    "WsServer",
]
