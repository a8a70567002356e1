"""The endpoints as pure ASGI: a mountable app and a middleware. No framework, no request objects.

A health request never awaits anything but `send`: no dependency I/O, no body to read. So the answer
comes back in the time the event loop takes to reach it, whatever a dependency is doing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from infraprobe.asgi.checks import HealthChecks, Route
from infraprobe.tokens import presented_token

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ROUTES: dict[str, Route] = {
    "": "live",
    "/startup": "startup",
    "/ready": "ready",
    "/infrastructure": "infrastructure",
}
CONTENT_TYPE = b"application/health+json"


class HealthApp:
    """Serves `<mount>/`, `/startup`, `/ready` and `/infrastructure`. Mount it at `/health`."""

    def __init__(self, checks: HealthChecks) -> None:
        self.checks = checks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(self.checks, receive, send)
        elif scope["type"] == "http":
            await serve(self.checks, _relative(scope), scope, send)
        # websocket: not ours; returning without accepting makes the server reject the handshake


class HealthMiddleware:
    """Answers health requests under `prefix` before the app sees them, and runs checks with the lifespan."""

    def __init__(self, app: ASGIApp, checks: HealthChecks, prefix: str = "/health") -> None:
        self.app, self.checks, self.prefix = app, checks, prefix.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path == self.prefix or path.startswith(self.prefix + "/"):
                await serve(self.checks, path[len(self.prefix) :], scope, send)
                return
        elif scope["type"] == "lifespan":
            receive = _starting_checks(self.checks, receive)
        await self.app(scope, receive, send)


async def serve(checks: HealthChecks, subpath: str, scope: Scope, send: Send) -> None:
    """Answer one health request from cached state. `subpath` is the path below the mount point."""
    checks.ensure_started()  # for servers that never send lifespan events
    route = ROUTES.get(subpath.rstrip("/"))
    method = scope["method"]
    if route is None:
        await _send(send, 404, b'{"status":"fail","output":"not found"}', method)
    elif method not in ("GET", "HEAD"):
        await _send(send, 405, b'{"status":"fail","output":"method not allowed"}', method, allow=True)
    else:
        status, payload = checks.respond(route, checks.authorized(presented_token(scope["headers"])))
        await _send(send, status, payload, method)


async def _send(send: Send, status: int, payload: bytes, method: str, allow: bool = False) -> None:
    headers = [
        (b"content-type", CONTENT_TYPE),
        (b"content-length", str(len(payload)).encode()),
        (b"cache-control", b"no-store"),  # a cached "pass" from a proxy is exactly the lie we avoid
    ]
    if allow:
        headers.append((b"allow", b"GET, HEAD"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else payload})


def _relative(scope: Scope) -> str:
    """The path below the mount point: Starlette keeps the full `path` and extends `root_path`."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        return path[len(root) :]
    return path


def _starting_checks(checks: HealthChecks, receive: Receive) -> Receive:
    """Wrap `receive` so monitors start with the app's lifespan and stop before it shuts down."""

    async def wrapped() -> Message:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await checks.start()
        elif message["type"] == "lifespan.shutdown":
            await checks.stop()
        return message

    return wrapped


async def _lifespan(checks: HealthChecks, receive: Receive, send: Send) -> None:
    """Standalone use (the health app is the whole ASGI app): start and stop with the server."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await checks.start()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await checks.stop()
            await send({"type": "lifespan.shutdown.complete"})
            return
