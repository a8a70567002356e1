"""Phases and facts are declared vocabularies: every probe kind emits only declared names of declared types.

Each kind in the registry runs once against a real server on loopback; a new kind without a scenario here
fails `test_every_kind_has_a_scenario`, so analysis can never silently miss a fact a new probe spells its own
way. `ProbeRun` also refuses undeclared names at run time, so every other probe test checks the same thing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from infraprobe import facts
from infraprobe.config.model import ComponentBase
from infraprobe.facts import DECLARED, Fact
from infraprobe.net import Net
from infraprobe.phases import Phase
from infraprobe.probes.amqp import AmqpCheck
from infraprobe.probes.base import ProbeRun
from infraprobe.probes.dns import DnsCheck
from infraprobe.probes.grpc import GrpcCheck
from infraprobe.probes.http import HttpCheck
from infraprobe.probes.mysql import MysqlCheck
from infraprobe.probes.postgres import PostgresCheck
from infraprobe.probes.redis import RedisCheck
from infraprobe.probes.registry import REGISTRY
from infraprobe.probes.tcp import TcpCheck
from infraprobe.probes.tls import TlsCheck
from infraprobe.probes.websocket import WebSocketCheck
from infraprobe.result import CheckResult, Status
from infraprobe.runner import Runner
from infraprobe.taxonomy import Component
from infraprobe.testing.certs import make_test_pki
from infraprobe.testing.grpcserver import GrpcHealthServer
from infraprobe.testing.httpservers import DemoApp, HttpServer, WsServer
from infraprobe.testing.postgres import PostgresServer
from infraprobe.testing.redis import RedisServer
from tests import servers
from tests.conftest import started

Scenario = Callable[[AsyncExitStack, Path], Awaitable[ComponentBase]]


async def _dns(stack: AsyncExitStack, tmp: Path) -> ComponentBase:
    return DnsCheck(name="c", host="localhost", record_types=("A",))


async def _tcp(stack: AsyncExitStack, tmp: Path) -> ComponentBase:
    server = await stack.enter_async_context(HttpServer(DemoApp()))
    return TcpCheck(name="c", host="127.0.0.1", port=server.port)


async def _tls(stack: AsyncExitStack, tmp: Path) -> ComponentBase:
    pki = make_test_pki(tmp)
    server = await stack.enter_async_context(HttpServer(DemoApp(), ssl_context=pki.healthy))
    return TlsCheck(name="c", host="localhost", port=server.port, ca_file=str(pki.ca_file))


async def _http(stack: AsyncExitStack, tmp: Path) -> ComponentBase:
    server = await stack.enter_async_context(HttpServer(DemoApp()))
    return HttpCheck(name="c", url=server.url("/redirect"), follow_redirects=True)


async def _websocket(stack: AsyncExitStack, tmp: Path) -> ComponentBase:
    server = await stack.enter_async_context(WsServer("echo"))
    return WebSocketCheck(name="c", url=server.url(), send="hi", expect="hi")


async def _postgres(stack: AsyncExitStack, tmp: Path) -> ComponentBase:
    server = stack.enter_context(started(PostgresServer()))
    return PostgresCheck(name="c", dsn=server.dsn())


async def _redis(stack: AsyncExitStack, tmp: Path) -> ComponentBase:
    server = stack.enter_context(started(RedisServer()))
    return RedisCheck(name="c", url=server.url())


async def _mysql(stack: AsyncExitStack, tmp: Path) -> ComponentBase:
    return MysqlCheck(name="c", url=servers.mariadb().url())


async def _amqp(stack: AsyncExitStack, tmp: Path) -> ComponentBase:
    return AmqpCheck(name="c", url=servers.rabbitmq().url())


async def _grpc(stack: AsyncExitStack, tmp: Path) -> ComponentBase:
    server = await stack.enter_async_context(GrpcHealthServer())
    return GrpcCheck(name="c", host="127.0.0.1", port=server.port)


SCENARIOS: dict[str, Scenario] = {
    "dns": _dns,
    "tcp": _tcp,
    "tls": _tls,
    "http": _http,
    "websocket": _websocket,
    "postgres": _postgres,
    "redis": _redis,
    "mysql": _mysql,
    "amqp": _amqp,
    "grpc": _grpc,
}


@pytest.fixture
async def runner() -> AsyncIterator[Runner]:
    r = Runner()
    yield r
    r.net.close()


def test_every_kind_has_a_scenario() -> None:
    probed = {kind for kind, spec in REGISTRY.items() if spec.run is not None}
    assert probed == set(SCENARIOS)


@pytest.mark.parametrize("kind", sorted(SCENARIOS))
async def test_emitted_phases_and_facts_are_declared(kind: str, runner: Runner, tmp_path: Path) -> None:
    async with AsyncExitStack() as stack:
        result = await runner.check(await SCENARIOS[kind](stack, tmp_path))
    assert result.status is not Status.FAIL, (result.message, result.diagnosis)
    assert result.phases and all(isinstance(p.name, Phase) for p in result.phases)
    _assert_declared(result)


def _assert_declared(result: CheckResult) -> None:
    assert result.facts, result.kind
    for key, value in result.facts.items():
        assert key in DECLARED, f"{result.kind} emits undeclared fact {key!r}"
        assert DECLARED[key].accepts(value), f"{result.kind}: {key}={value!r} is not {DECLARED[key].type}"


def test_declared_keys_are_unique() -> None:
    every = [v for v in vars(facts).values() if isinstance(v, Fact)]
    assert len(every) == len(DECLARED)


def test_undeclared_fact_or_wrong_type_is_refused() -> None:
    run = ProbeRun(Component.TCP, Net())
    with pytest.raises(TypeError, match="max_connections"):
        run.fact(facts.MAX_CONNECTIONS, "100")  # type: ignore[misc]
    with pytest.raises(TypeError, match="max_connections"):
        run.fact(facts.MAX_CONNECTIONS, True)
    with pytest.raises(TypeError, match="invented"):
        run.fact(Fact("invented", int, "not declared"), 1)
    run.fact(facts.MAX_CONNECTIONS, 100)
    assert run.get(facts.MAX_CONNECTIONS) == 100


def test_undeclared_phase_is_refused() -> None:
    run = ProbeRun(Component.TCP, Net())
    with pytest.raises(ValueError, match="nap"), run.phase("nap"):  # type: ignore[arg-type]
        pass


def test_read_returns_only_the_declared_type() -> None:
    assert facts.MAX_CONNECTIONS.read({"max_connections": 5}) == 5
    assert facts.MAX_CONNECTIONS.read({"max_connections": True}) is None
    assert facts.MAX_CONNECTIONS.read({"max_connections": "5"}) is None
    assert facts.TIME_MS.read({"time_ms": 3}) == 3
    assert facts.SANS.read({}) is None
