"""grpc probe against real in-process grpcio servers with the standard health service, on loopback.

Every failure goes through the real Runner and so through the classifier. NOT_SERVING, an unknown service
(NOT_FOUND from grpcio's servicer, or SERVICE_UNKNOWN) and a server without the health service are told
apart, and so are the transport's own failures (refused, an HTTP/1.x server on the port).
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from infraprobe.phases import Phase
from infraprobe.probes.grpc import GrpcCheck, channel_target
from infraprobe.result import CheckResult, Status
from infraprobe.runner import Runner
from infraprobe.taxonomy import Cause, Component, Layer
from infraprobe.testing.grpcserver import GrpcHealthServer
from infraprobe.testing.httpservers import DemoApp, HttpServer
from infraprobe.testing.netfaults import ClosedPort

TOKEN = "canary-grpc-V5b7n3"
STATUSES = {
    "orders.v1.Orders": "SERVING",
    "billing.v1.Billing": "NOT_SERVING",
    "warming.v1.Up": "UNKNOWN",
    "legacy.Old": "SERVICE_UNKNOWN",
}


@pytest.fixture
async def server() -> AsyncIterator[GrpcHealthServer]:
    async with GrpcHealthServer(STATUSES) as s:
        yield s


def verdict(result: CheckResult) -> tuple[Cause, Layer, Component, str]:
    d = result.diagnosis
    assert d is not None, result.message
    return d.cause, d.layer, d.component, result.phases[-1].name


def check(port: int, service: str = "", **fields: Any) -> GrpcCheck:
    return GrpcCheck(name="svc", host="127.0.0.1", port=port, service=service, **fields)


@pytest.mark.parametrize("service", ["", "orders.v1.Orders"])
async def test_serving_service_is_ok(server: GrpcHealthServer, runner: Runner, service: str) -> None:
    """The server as a whole ("") and a named service; connect timed apart from the Check call."""
    result = await runner.check(check(server.port, service))
    assert result.status is Status.OK, result.message
    assert [p.name for p in result.phases] == [Phase.DNS, Phase.CONNECT, Phase.REQUEST]
    assert (result.facts["service"], result.facts["serving_status"]) == (service, "SERVING")
    assert result.facts["addresses"] == ["127.0.0.1"]


async def test_name_resolves_and_stays_the_authority(server: GrpcHealthServer, runner: Runner) -> None:
    result = await runner.check(GrpcCheck(name="svc", host="localhost", port=server.port))
    assert result.status is Status.OK, result.message


async def test_not_serving_is_told_from_unknown_service(server: GrpcHealthServer, runner: Runner) -> None:
    """NOT_SERVING: the service is up but not ready (service_starting, infrastructure)."""
    result = await runner.check(check(server.port, "billing.v1.Billing"))
    expected = (Cause.SERVICE_STARTING, Layer.INFRASTRUCTURE, Component.GRPC, Phase.REQUEST)
    assert verdict(result) == expected
    assert result.facts["serving_status"] == "NOT_SERVING"
    assert "NOT_SERVING" in result.message


async def test_undecided_status_is_service_starting(server: GrpcHealthServer, runner: Runner) -> None:
    """UNKNOWN: the server has not decided yet; decided by the probe (the word is too plain for a rule)."""
    result = await runner.check(check(server.port, "warming.v1.Up"))
    expected = (Cause.SERVICE_STARTING, Layer.INFRASTRUCTURE, Component.GRPC, Phase.REQUEST)
    assert verdict(result) == expected
    assert result.facts["serving_status"] == "UNKNOWN"


@pytest.mark.parametrize(
    ("service", "evidence"),
    [("nope.v1.Nope", "StatusCode.NOT_FOUND"), ("legacy.Old", "SERVICE_UNKNOWN")],
)
async def test_unknown_service_is_resource_missing(
    server: GrpcHealthServer, runner: Runner, service: str, evidence: str
) -> None:
    """A name the health service does not know, as an error (NOT_FOUND) or as a status (SERVICE_UNKNOWN)."""
    result = await runner.check(check(server.port, service))
    expected = (Cause.RESOURCE_MISSING, Layer.CONFIGURATION, Component.GRPC, Phase.REQUEST)
    assert verdict(result) == expected
    assert evidence in result.message


async def test_status_changes_are_seen(server: GrpcHealthServer, runner: Runner) -> None:
    await server.set("orders.v1.Orders", "NOT_SERVING")
    assert (await runner.check(check(server.port, "orders.v1.Orders"))).status is Status.FAIL
    await server.set("orders.v1.Orders", "SERVING")
    assert (await runner.check(check(server.port, "orders.v1.Orders"))).status is Status.OK


async def test_server_without_health_service(runner: Runner) -> None:
    """UNIMPLEMENTED: the server answers gRPC but has no grpc.health.v1: a configuration matter."""
    async with GrpcHealthServer(health=False) as bare:
        result = await runner.check(check(bare.port))
    expected = (Cause.RESOURCE_MISSING, Layer.CONFIGURATION, Component.GRPC, Phase.REQUEST)
    assert verdict(result) == expected
    assert "UNIMPLEMENTED" in result.message


async def test_missing_or_wrong_token_is_auth_failed(runner: Runner) -> None:
    async with GrpcHealthServer(token=TOKEN) as guarded:
        without = await runner.check(check(guarded.port))
        wrong = await runner.check(check(guarded.port, metadata={"Authorization": "Bearer not-it"}))
        right = await runner.check(check(guarded.port, metadata={"Authorization": f"Bearer {TOKEN}"}))
    for result in (without, wrong):
        assert verdict(result) == (Cause.AUTH_FAILED, Layer.CONFIGURATION, Component.GRPC, Phase.REQUEST)
    assert right.status is Status.OK, right.message
    assert TOKEN not in json.dumps([right.message, dict(right.facts)])


async def test_concurrency_limit_is_the_servers_own_limit(runner: Runner) -> None:
    """maximum_concurrent_rpcs 1, one call held: grpcio refuses with RESOURCE_EXHAUSTED."""
    async with GrpcHealthServer(max_concurrent_rpcs=1) as small, small.hold(1):
        result = await runner.check(check(small.port))
    expected = (Cause.DB_CONNECTION_LIMIT, Layer.INFRASTRUCTURE, Component.GRPC, Phase.REQUEST)
    assert verdict(result) == expected
    assert "Concurrent RPC limit exceeded" in result.message


async def test_closed_port_is_refused_in_connect(runner: Runner) -> None:
    with ClosedPort() as closed:
        result = await runner.check(check(closed.port))
    expected = (Cause.CONNECTION_REFUSED, Layer.INFRASTRUCTURE, Component.GRPC, Phase.CONNECT)
    assert verdict(result) == expected
    assert "Connection refused" in result.message


async def test_http1_server_is_protocol_mismatch(runner: Runner) -> None:
    """An HTTP/1.1 server answers gRPC's HTTP/2 preface with a 400: the wrong protocol on the port."""
    async with HttpServer(DemoApp()) as http:
        result = await runner.check(check(http.port, timeout=3))
    expected = (Cause.PROTOCOL_MISMATCH, Layer.CONFIGURATION, Component.GRPC, Phase.CONNECT)
    assert verdict(result) == expected


def test_channel_target_names_every_address_of_the_first_family() -> None:
    v4 = (socket.AF_INET, ("127.0.0.1", 50051))
    v4b = (socket.AF_INET, ("127.0.0.2", 50051))
    v6 = (socket.AF_INET6, ("::1", 50051, 0, 0))
    assert channel_target([v4, v6, v4b]) == "ipv4:127.0.0.1:50051,127.0.0.2:50051"
    assert channel_target([v6, v4]) == "ipv6:[::1]:50051"


def test_config_needs_host_and_port() -> None:
    with pytest.raises(ValidationError) as info:
        GrpcCheck(name="svc", host="h")  # type: ignore[call-arg]
    assert "port" in str(info.value)
    assert GrpcCheck(name="svc", host="h", port=1).target() == "h:1/(server)"


# The healthy run tests/core/test_vocabulary.py makes of this kind (every phase and fact it emits is declared).
async def vocabulary_scenario(stack: AsyncExitStack, tmp: Path) -> GrpcCheck:
    server = await stack.enter_async_context(GrpcHealthServer())
    return GrpcCheck(name="c", host="127.0.0.1", port=server.port)


# This kind's places for a secret in tests/core/test_secrets.py's canary config (its placeholders are listed there).
SECRET_CANARIES = """
  - {{name: grpc-metadata, kind: grpc, host: 127.0.0.1, port: {closed}, metadata: {{authorization: "Bearer ${{PW}}"}}}}
"""
