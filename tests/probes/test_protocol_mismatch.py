"""Another protocol answers on the configured port: every probe says `protocol_mismatch` (configuration), at
once, never a timeout or `unknown`. The server is a real MariaDB, which speaks first (its greeting), as SSH,
SMTP and MySQL servers do: the common case of a check pointed at the wrong port. `http://` to a TLS port is
the other common case: an OpenSSL-based server closes a clear-text request without a byte (no alert), so the
probe then asks the port for a TLS handshake.

Left as a timeout, honestly: the postgres probe against redis. libpq's first packet (SSLRequest or start-up
message) holds no newline, and redis waits for the end of an inline command without answering, so until the
deadline that port behaves exactly like a silent server (`read_timeout`, also the right verdict for a wedged
PostgreSQL); telling them apart would need a speculative second protocol on the port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from infraprobe.config.model import ComponentBase
from infraprobe.probes.http import HttpCheck
from infraprobe.probes.postgres import PostgresCheck
from infraprobe.probes.redis import RedisCheck
from infraprobe.probes.tcp import TcpCheck
from infraprobe.probes.websocket import WebSocketCheck
from infraprobe.runner import Runner
from infraprobe.taxonomy import Cause, Layer
from infraprobe.testing.certs import make_test_pki
from infraprobe.testing.httpservers import DemoApp, HttpServer
from tests.servers import mariadb

CHECKS = {
    "http": lambda port: HttpCheck(name="c", url=f"http://127.0.0.1:{port}/health", timeout=3),
    "websocket": lambda port: WebSocketCheck(name="c", url=f"ws://127.0.0.1:{port}/ws", timeout=3),
    "tcp": lambda port: TcpCheck(name="c", host="127.0.0.1", port=port, expect_banner="SSH-2.0", timeout=3),
    "postgres": lambda port: PostgresCheck(
        name="c", host="127.0.0.1", port=port, user="probe", password="canary-pg-N6v1", timeout=3
    ),
    "redis": lambda port: RedisCheck(
        name="c", host="127.0.0.1", port=port, password="canary-rd-Q2", timeout=3
    ),
}


@pytest.fixture
async def runner() -> AsyncIterator[Runner]:
    r = Runner()
    yield r
    r.net.close()


@pytest.mark.parametrize("kind", sorted(CHECKS))
async def test_another_protocol_on_the_port_is_protocol_mismatch(kind: str, runner: Runner) -> None:
    server = mariadb()
    check: ComponentBase = CHECKS[kind](server.port)
    result = await runner.check(check)
    assert result.diagnosis is not None, result.message
    assert (result.diagnosis.cause, result.diagnosis.layer) == (Cause.PROTOCOL_MISMATCH, Layer.CONFIGURATION)
    assert result.duration < 2.5  # decided from the first bytes, not at the deadline


async def test_plain_http_to_a_tls_port_is_protocol_mismatch(runner: Runner, tmp_path: Path) -> None:
    """The TLS server closes the clear-text request without a byte; the port then completes a handshake."""
    pki = make_test_pki(tmp_path)
    async with HttpServer(DemoApp(), ssl_context=pki.healthy) as server:
        result = await runner.check(HttpCheck(name="c", url=f"http://127.0.0.1:{server.port}/", timeout=3))
    assert result.diagnosis is not None, result.message
    assert (result.diagnosis.cause, result.diagnosis.rule) == (Cause.PROTOCOL_MISMATCH, "http_to_tls_port")
    assert "https://" in result.diagnosis.summary
