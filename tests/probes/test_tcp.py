"""tcp probe against real loopback listeners and kernel-produced faults."""

from __future__ import annotations

import time
from contextlib import AsyncExitStack
from pathlib import Path

from infraprobe.probes.tcp import TcpCheck
from infraprobe.runner import Runner
from infraprobe.taxonomy import Cause, Layer
from infraprobe.testing.httpservers import DemoApp, HttpServer
from infraprobe.testing.netfaults import (
    UNREACHABLE_V6,
    ClosedPort,
    FullBacklogListener,
    banner_server,
    resetting_server,
    silent_server,
)
from tests.probes.helpers import assert_failed, assert_healthy


async def test_connects_to_a_listener_with_dns_and_connect_phases(runner: Runner) -> None:
    """A healthy connect reports ok, both phases non-negative, and the peer it reached."""
    async with silent_server() as server:
        result = await runner.check(TcpCheck(name="db", host="127.0.0.1", port=server.port))
    assert_healthy(result, ["dns", "connect"])
    assert result.facts["peer"] == f"127.0.0.1:{server.port}"


async def test_ipv6_loopback_literal_connects(runner: Runner) -> None:
    """An IPv6 literal is connected to directly (no lookup), and the peer fact brackets it."""
    async with silent_server("::1") as server:
        result = await runner.check(TcpCheck(name="v6", host="::1", port=server.port))
    assert_healthy(result, ["dns", "connect"])
    assert result.facts["peer"] == f"[::1]:{server.port}"


async def test_ipv6_closed_port_is_connection_refused(runner: Runner) -> None:
    """Refused is told apart on IPv6 loopback as well."""
    with ClosedPort("::1") as closed:
        result = await runner.check(TcpCheck(name="v6", host="::1", port=closed.port))
    assert_failed(result, Cause.CONNECTION_REFUSED, phase="connect")


async def test_closed_port_is_connection_refused(runner: Runner) -> None:
    """A bound but not listening port answers RST: connection_refused, in the connect phase."""
    with ClosedPort() as closed:
        result = await runner.check(TcpCheck(name="db", host="127.0.0.1", port=closed.port))
    assert_failed(result, Cause.CONNECTION_REFUSED, phase="connect")


async def test_full_accept_queue_is_connect_timeout(runner: Runner) -> None:
    """SYNs dropped by a full backlog hang the connect until the deadline: connect_timeout."""
    with FullBacklogListener() as listener:
        start = time.perf_counter()
        result = await runner.check(TcpCheck(name="db", host="127.0.0.1", port=listener.port, timeout=0.3))
    assert time.perf_counter() - start < 1.0
    assert_failed(result, Cause.CONNECT_TIMEOUT, phase="connect")


async def test_multicast_destination_is_network_unreachable(runner: Runner) -> None:
    """The kernel refuses TCP to a multicast address with ENETUNREACH, before sending anything."""
    result = await runner.check(TcpCheck(name="far", host=UNREACHABLE_V6, port=80, timeout=1))
    assert_failed(result, Cause.NETWORK_UNREACHABLE, phase="connect")


async def test_unresolvable_name_is_dns_failure(runner: Runner) -> None:
    """A *.invalid name fails in the dns phase (one real system lookup)."""
    result = await runner.check(TcpCheck(name="db", host="db.infraprobe.invalid", port=5432))
    assert_failed(result, Cause.DNS_FAILURE, phase="dns")


async def test_banner_expectation_passes_on_the_right_service(runner: Runner) -> None:
    """expect_banner reads what the server says first; a match is ok with the banner as a fact."""
    async with banner_server(b"SSH-2.0-OpenSSH_9.6\r\n") as server:
        check = TcpCheck(name="ssh", host="127.0.0.1", port=server.port, expect_banner="SSH-2.0")
        result = await runner.check(check)
    assert_healthy(result, ["dns", "connect", "first_byte"])
    assert str(result.facts["banner"]).startswith("SSH-2.0")


async def test_wrong_banner_blames_configuration(runner: Runner) -> None:
    """A different service on the port fails as a configuration problem, with the banner seen."""
    async with banner_server(b"+OK redis\r\n") as server:
        check = TcpCheck(name="ssh", host="127.0.0.1", port=server.port, expect_banner="SSH-2.0", timeout=1)
        result = await runner.check(check)
    assert_failed(result, Cause.PROTOCOL_MISMATCH, phase="first_byte", layer=Layer.CONFIGURATION)
    assert result.facts["banner"] == "+OK redis\r\n"


async def test_reset_after_accept_is_connection_reset(runner: Runner) -> None:
    """A listener that accepts then resets (SO_LINGER 0) is connection_reset while reading the banner."""
    async with resetting_server(after_bytes=False) as server:
        check = TcpCheck(name="ssh", host="127.0.0.1", port=server.port, expect_banner="SSH", timeout=1)
        result = await runner.check(check)
    assert_failed(result, Cause.CONNECTION_RESET, phase="first_byte")


# The healthy run tests/core/test_vocabulary.py makes of this kind (every phase and fact it emits is declared).
async def vocabulary_scenario(stack: AsyncExitStack, tmp: Path) -> TcpCheck:
    server = await stack.enter_async_context(HttpServer(DemoApp()))
    return TcpCheck(name="c", host="127.0.0.1", port=server.port)
