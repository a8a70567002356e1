"""Another protocol answers on the configured port: every probe says `protocol_mismatch` (configuration), at
once, never a timeout or `unknown`. The server is a real MariaDB, which speaks first (its greeting), as SSH,
SMTP and MySQL servers do: the common case of a check pointed at the wrong port."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from infraprobe.config.model import ComponentBase
from infraprobe.probes.http import HttpCheck
from infraprobe.probes.postgres import PostgresCheck
from infraprobe.probes.tcp import TcpCheck
from infraprobe.probes.websocket import WebSocketCheck
from infraprobe.runner import Runner
from infraprobe.taxonomy import Cause, Layer
from tests.servers import mariadb

CHECKS = {
    "http": lambda port: HttpCheck(name="c", url=f"http://127.0.0.1:{port}/health", timeout=3),
    "websocket": lambda port: WebSocketCheck(name="c", url=f"ws://127.0.0.1:{port}/ws", timeout=3),
    "tcp": lambda port: TcpCheck(name="c", host="127.0.0.1", port=port, expect_banner="SSH-2.0", timeout=3),
    "postgres": lambda port: PostgresCheck(
        name="c", host="127.0.0.1", port=port, user="probe", password="canary-pg-N6v1", timeout=3
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
