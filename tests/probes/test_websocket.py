"""websocket probe: handshake, message round trip, rejection and abnormal closure on loopback."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

from infraprobe.probes.websocket import TlsClient, WebSocketCheck
from infraprobe.result import Status
from infraprobe.runner import Runner
from infraprobe.taxonomy import Cause, Layer
from infraprobe.testing.certs import TestPki
from infraprobe.testing.httpservers import HttpServer, ReverseProxy, WsServer
from infraprobe.testing.netfaults import ClosedPort, banner_server, silent_server
from tests.probes.helpers import assert_failed, assert_healthy

WS_PHASES = ["dns", "connect", "handshake", "message"]


async def test_echo_round_trip_has_every_phase(runner: Runner) -> None:
    """Handshake then send/expect against an echo endpoint: ok, all phases timed, message recorded."""
    async with WsServer("echo") as server:
        result = await runner.check(WebSocketCheck(name="ws", url=server.url(), send="ping-42", expect="42"))
    assert_healthy(result, WS_PHASES)
    assert result.facts["status"] == 101
    assert result.facts["received"] == ["ping-42"]


async def test_handshake_only_without_message(runner: Runner) -> None:
    """Without send/expect the check is the opening handshake alone (no message phase)."""
    async with WsServer("echo") as server:
        result = await runner.check(WebSocketCheck(name="ws", url=server.url()))
    assert_healthy(result, ["dns", "connect", "handshake"])


async def test_wss_with_test_ca(runner: Runner, pki: TestPki, ca_file: str) -> None:
    """wss:// adds the tls phase and certificate facts; regex expectations work too."""
    async with WsServer("echo", ssl_context=pki.healthy) as server:
        check = WebSocketCheck(
            name="ws",
            url=server.url(host="localhost"),
            send="abc123",
            expect_regex=r"^abc\d+$",
            tls=TlsClient(ca_file=ca_file),
        )
        result = await runner.check(check)
    assert_healthy(result, ["dns", "connect", "tls", "handshake", "message"])
    assert result.facts["issuer"] == "infraprobe test CA"


async def test_rejected_upgrade_is_websocket_rejected_with_status(runner: Runner) -> None:
    """A 403 to the upgrade is websocket_rejected (application), the status in the facts."""
    async with WsServer("reject", status=403) as server:
        result = await runner.check(WebSocketCheck(name="ws", url=server.url(), send="x", expect="x"))
    assert_failed(result, Cause.WEBSOCKET_REJECTED, phase="handshake", layer=Layer.APPLICATION)
    assert result.facts["status"] == 403


async def test_proxy_refusing_for_a_dead_backend_is_upstream_unavailable(runner: Runner) -> None:
    """An upgrade answered by Envoy's 503 for a dead backend blames the backend, not the WS route."""
    with ClosedPort() as dead:
        async with HttpServer(ReverseProxy(dead.port, "envoy")) as proxy:
            url = proxy.url("/ws").replace("http://", "ws://")
            result = await runner.check(WebSocketCheck(name="ws", url=url))
    assert_failed(result, Cause.UPSTREAM_UNAVAILABLE, phase="handshake")
    assert result.facts["status"] == 503


async def test_connection_dropped_without_close_frame_is_connection_reset(runner: Runner) -> None:
    """An established WebSocket dropped without a close frame (1006) is connection_reset."""
    async with WsServer("drop") as server:
        result = await runner.check(
            WebSocketCheck(name="ws", url=server.url(), send="hi", expect="hi", timeout=2)
        )
    assert_failed(result, Cause.CONNECTION_RESET, phase="message")
    assert "1006" in result.message


async def test_clean_close_with_1011_is_app_error(runner: Runner) -> None:
    """A clean close with 1011 (internal error) before the expected message is app_error, code in facts."""
    async with WsServer("close") as server:
        result = await runner.check(
            WebSocketCheck(name="ws", url=server.url(), send="hi", expect="hi", timeout=2)
        )
    assert_failed(result, Cause.APP_ERROR, phase="message")
    assert result.facts["close_code"] == 1011


async def test_no_matching_message_before_message_timeout(runner: Runner) -> None:
    """Only non-matching messages until message_timeout: the message phase times out (read_timeout)."""
    async with WsServer("echo") as server:
        check = WebSocketCheck(name="ws", url=server.url(), send="hello", expect="bye", message_timeout=0.2)
        result = await runner.check(check)
    assert_failed(result, Cause.READ_TIMEOUT, phase="message")
    assert result.facts["received"] == ["hello"]


async def test_no_matching_message_within_the_check_timeout(runner: Runner) -> None:
    """Without message_timeout the rest of the check's budget applies, with the same precise verdict."""
    async with WsServer("echo") as server:
        check = WebSocketCheck(name="ws", url=server.url(), send="hello", expect="bye", timeout=0.4)
        result = await runner.check(check)
    assert_failed(result, Cause.READ_TIMEOUT, phase="message")
    assert result.duration < 0.4


async def test_non_http_answer_to_the_upgrade_blames_configuration(runner: Runner) -> None:
    """A service that is not HTTP on the port fails at once as configuration, not at the deadline."""
    async with banner_server(b"+OK ready\r\n") as server:
        result = await runner.check(
            WebSocketCheck(name="ws", url=f"ws://127.0.0.1:{server.port}/", timeout=2)
        )
    assert_failed(result, Cause.PROTOCOL_MISMATCH, phase="handshake", layer=Layer.CONFIGURATION)
    assert result.duration < 1


async def test_silent_server_times_out_in_handshake(runner: Runner) -> None:
    """A listener that never answers the upgrade fails in the handshake phase."""
    async with silent_server() as server:
        result = await runner.check(
            WebSocketCheck(name="ws", url=f"ws://127.0.0.1:{server.port}/", timeout=0.3)
        )
    assert_failed(result, Cause.READ_TIMEOUT, phase="handshake")


async def test_credentials_in_ws_url_are_redacted(runner: Runner) -> None:
    """A password in a ws:// URL is masked in the facts and the target."""
    async with WsServer("echo") as server:
        url = server.url().replace("ws://", "ws://bot:t0ps3cret@")
        result = await runner.check(WebSocketCheck(name="ws", url=url))
    assert result.status is Status.OK
    assert "t0ps3cret" not in str(result.to_dict())
    assert "t0ps3cret" not in WebSocketCheck(name="ws", url=url).target()


# The healthy run tests/core/test_vocabulary.py makes of this kind (every phase and fact it emits is declared).
async def vocabulary_scenario(stack: AsyncExitStack, tmp: Path) -> WebSocketCheck:
    server = await stack.enter_async_context(WsServer("echo"))
    return WebSocketCheck(name="c", url=server.url(), send="hi", expect="hi")


# This kind's places for a secret in tests/core/test_secrets.py's canary config (its placeholders are listed there).
SECRET_CANARIES = """
  - {{name: ws-userinfo, kind: websocket, url: "ws://probe:${{PW}}@127.0.0.1:{closed}/ws", headers: {{X-Api-Key: "${{PW}}"}}}}
"""
