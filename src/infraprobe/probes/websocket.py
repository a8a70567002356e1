"""websocket: does the opening handshake succeed, and does the endpoint answer a message?

Phases dns -> connect -> tls (wss) -> handshake -> message (when `send` or an expectation is set). A
refused upgrade is `websocket_rejected` with the status in the facts, unless a proxy wrote the refusal
about a dead backend (`upstream_unavailable`); an open connection dropped without a close frame (1006)
is a `connection_reset`.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable
from typing import NoReturn

from websockets.client import ClientProtocol
from websockets.exceptions import InvalidMessage, InvalidStatus
from websockets.http11 import Response as WsResponse
from websockets.typing import Origin, Subprotocol
from websockets.uri import parse_uri

from infraprobe import facts
from infraprobe.phases import Phase
from infraprobe.probes._conn import connection, handshake
from infraprobe.probes._httpsig import proxy_signature
from infraprobe.probes._url import Url
from infraprobe.probes.base import ProbeRun, ProbeSpec
from infraprobe.probes.models.tls import TlsClient
from infraprobe.probes.models.websocket import SCHEMES, WebSocketCheck
from infraprobe.probes.wire.http1 import Response
from infraprobe.probes.wire.websocket import MAX_MESSAGE_BYTES, Closed, WsSession
from infraprobe.taxonomy import Cause, Component

# Close codes that name a cause of their own; any other clean close is the application's decision.
_CLOSE_CAUSES = {1011: Cause.APP_ERROR, 1014: Cause.UPSTREAM_UNAVAILABLE}


async def probe(cfg: WebSocketCheck, run: ProbeRun) -> str:
    started = run.clock()
    async with open_session(cfg, run) as session:
        received = await _message(cfg, run, session, _message_deadline(cfg, run, started))
    return f"WebSocket open{f', received {received[:60]!r}' if received is not None else ''}"


@contextlib.asynccontextmanager
async def open_session(cfg: WebSocketCheck, run: ProbeRun) -> AsyncIterator[WsSession]:
    """dns, connect, tls, handshake (a refusal fails the run); closed with 1000 when the body ends.
    Validation flows use it to run their own message exchange on the probe's phases."""
    url = Url.parse(cfg.url, SCHEMES)
    run.fact(facts.URL, url.redacted)
    tls = handshake(run, cfg.tls, url.host) if url.secure else None
    async with connection(run, url.host, url.port, tls) as conn:
        session = WsSession(conn.reader, conn.writer, _protocol(cfg, url))
        await _handshake(cfg, run, session)
        yield session
        await session.close()


def _protocol(cfg: WebSocketCheck, url: Url) -> ClientProtocol:
    return ClientProtocol(
        parse_uri(url.text),
        origin=Origin(cfg.origin) if cfg.origin is not None else None,
        subprotocols=[Subprotocol(p) for p in cfg.subprotocols] or None,
        max_size=MAX_MESSAGE_BYTES,
    )


async def _handshake(cfg: WebSocketCheck, run: ProbeRun, session: WsSession) -> None:
    request = session.protocol.connect()
    for name, value in cfg.headers.items():
        request.headers[name] = value
    with run.phase(Phase.HANDSHAKE):
        response = await session.handshake(request)
    if response is None:
        _not_http(run, session.protocol.handshake_exc)
    run.fact(facts.STATUS, response.status_code)
    run.fact(facts.SERVER, response.headers.get("server"))
    run.fact(facts.SUBPROTOCOL, response.headers.get("sec-websocket-protocol"))
    if session.protocol.handshake_exc is not None:
        _fail_handshake(run, response, session.protocol.handshake_exc)


def _not_http(run: ProbeRun, exc: Exception | None) -> NoReturn:
    cause = f": {exc.__cause__}" if exc is not None and exc.__cause__ is not None else ""
    run.fail(
        Cause.PROTOCOL_MISMATCH,
        f"not a valid HTTP handshake response ({exc}{cause})",
        summary="The server did not answer the upgrade in HTTP: wrong port, or ws:// to a TLS port.",
        rule="websocket_protocol",
    )


def _fail_handshake(run: ProbeRun, response: WsResponse, exc: Exception) -> None:
    if isinstance(exc, InvalidMessage):
        _not_http(run, exc)
    status = f"HTTP {response.status_code} {response.reason_phrase}"
    if isinstance(exc, InvalidStatus):
        match = proxy_signature(_as_http(response))
        if match is not None:
            run.fact(facts.GENERATED_BY, match.proxy)
            run.fail(
                Cause.UPSTREAM_UNAVAILABLE, f"handshake {status} written by {match.proxy} ({match.evidence})"
            )
        run.fail(Cause.WEBSOCKET_REJECTED, f"handshake rejected: {status}", rule="websocket_status")
    run.fail(
        Cause.WEBSOCKET_REJECTED, f"invalid handshake response ({status}): {exc}", rule="websocket_upgrade"
    )


def _as_http(response: WsResponse) -> Response:
    headers = tuple((k.lower(), v) for k, v in response.headers.raw_items())
    return Response(response.status_code, response.reason_phrase, "1.1", headers, bytes(response.body))


def _message_deadline(cfg: WebSocketCheck, run: ProbeRun, started: float) -> float:
    """message_timeout, else what is left of the check's budget; a little under the runner's deadline
    either way, so the probe's own, precise failure (which message it waited for) wins the race."""
    remaining = cfg.timeout - (run.clock() - started)
    wanted = cfg.message_timeout if cfg.message_timeout is not None else remaining
    return max(0.0, min(wanted, remaining - 0.05))


async def _message(cfg: WebSocketCheck, run: ProbeRun, session: WsSession, deadline: float) -> str | None:
    """Send, then wait for a matching message, within the deadline."""
    if cfg.send is None and cfg.expect is None and cfg.expect_regex is None:
        return None
    with run.phase(Phase.MESSAGE):
        try:
            async with asyncio.timeout(deadline):
                if cfg.send is not None:
                    await session.send_text(cfg.send)
                if cfg.expect is None and cfg.expect_regex is None:
                    return None
                return await await_match(run, session, lambda message: _matches(cfg, message))
        except TimeoutError:  # only our own deadline; the runner's arrives as a cancellation
            wanted = cfg.expect if cfg.expect is not None else f"/{cfg.expect_regex}/"
            run.fail(
                Cause.READ_TIMEOUT,
                f"no message matching {wanted!r} within {deadline:.3g}s",
                rule="websocket_message_timeout",
            )


async def await_match(run: ProbeRun, session: WsSession, matches: Callable[[str], bool]) -> str:
    """The first message `matches` accepts; a close before it fails the run with the close code."""
    seen: list[str] = []
    while True:
        message = await session.next_message()
        if isinstance(message, Closed):
            _fail_closed(run, message, seen)
        seen.append(message[:200])
        run.fact(facts.RECEIVED, seen[-5:])
        if matches(message):
            return message


def _matches(cfg: WebSocketCheck, message: str) -> bool:
    if cfg.expect is not None and cfg.expect not in message:
        return False
    return cfg.expect_regex is None or re.search(cfg.expect_regex, message) is not None


def _fail_closed(run: ProbeRun, closed: Closed, seen: list[str]) -> NoReturn:
    run.fact(facts.CLOSE_CODE, closed.code)
    run.fact(facts.CLOSE_REASON, closed.reason)
    got = f" after {len(seen)} non-matching message(s)" if seen else ""
    run.fail(
        _CLOSE_CAUSES.get(closed.code, Cause.APP_ERROR),
        f"server closed the WebSocket with {closed.code} {closed.reason!r}{got}",
        rule="websocket_close",
    )


SPEC = ProbeSpec(
    "websocket",
    WebSocketCheck,
    probe,
    Component.WEBSOCKET,
    "WebSocket opening handshake and an optional message round trip; rejection status reported",
    prepare=lambda cfg, net: net.ssl.prepare(cfg.tls.options()) if cfg.url.startswith("wss:") else None,
)

__all__ = ["SPEC", "TlsClient", "WebSocketCheck", "await_match", "open_session", "probe"]
