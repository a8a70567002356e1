"""Fixtures for the probe tests: real servers on loopback (PostgreSQL, Redis, HTTP, TLS with a test PKI),
a runner, and helpers that read a result's verdict.

Network rule: every test talks to 127.0.0.0/8 or ::1 only; DNS failures use *.invalid or a stub on
loopback; every server is torn down at the end of its test or session.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg
import pytest

from infraprobe.config.model import ComponentBase
from infraprobe.result import CheckResult
from infraprobe.runner import Runner
from infraprobe.taxonomy import Cause, Component, Layer
from infraprobe.testing.certs import TestPki, make_test_pki
from infraprobe.testing.httpservers import DemoApp, HttpServer
from infraprobe.testing.postgres import PostgresServer
from infraprobe.testing.redis import RedisServer
from tests.conftest import started

# Canary secrets: tests assert these strings never appear in any result.
PG_PASSWORD = "canary-pg-Q7x2v9"
WRONG_PASSWORD = "canary-wrong-K3m8z1"
REDIS_PASSWORD = "canary-redis-T5n4w6"
CLOUDSQL_DIR = "cloudsql/proj:region:inst"  # the shape of a Cloud SQL socket directory, colons included

Check = Callable[[ComponentBase], Awaitable[CheckResult]]


def phase_names(result: CheckResult) -> list[str]:
    return [p.name for p in result.phases]


def cause(result: CheckResult) -> Cause | None:
    return result.diagnosis.cause if result.diagnosis else None


def verdict(result: CheckResult) -> tuple[Cause, Layer, Component, str]:
    """What a user reads off a failure: cause, layer, component, and the phase it failed in."""
    d = result.diagnosis
    assert d is not None, result.message
    return d.cause, d.layer, d.component, result.phases[-1].name


def leaks(result: CheckResult, *secrets: str) -> list[str]:
    """The secrets that appear anywhere in a result's message, facts or diagnosis (none, we hope)."""
    text = json.dumps([result.message, dict(result.facts), str(result.diagnosis)])
    return [s for s in secrets if s in text]


@pytest.fixture
async def check() -> AsyncIterator[Check]:
    """Run one check through the real Runner (and so through the classifier), closing its resolver after."""
    runner = Runner()
    yield runner.check
    runner.net.close()


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer]:
    """A roomy cluster: 20 connections, 3 reserved, password auth over TCP and the socket."""
    server = PostgresServer(password=PG_PASSWORD, socket_subdir=CLOUDSQL_DIR)
    with started(server) as running:
        running.create_role("outsider", PG_PASSWORD)
        yield running


@pytest.fixture(scope="session")
def pg_small() -> Iterator[PostgresServer]:
    """max_connections 5, 2 reserved for superusers; TCP access only for role `probe` (pg_hba)."""
    hba = ("local all all scram-sha-256", "host all probe 127.0.0.1/32 scram-sha-256")
    server = PostgresServer(
        password=PG_PASSWORD, max_connections=5, superuser_reserved_connections=2, hba=hba
    )
    with started(server) as running:
        running.create_role("outsider", PG_PASSWORD)
        yield running


@contextmanager
def holding(server: PostgresServer, users: int, superusers: int = 0) -> Iterator[None]:
    """Hold connections (role probe over TCP, superusers over the socket); wait until they are gone after."""
    with ExitStack() as stack:
        # Ordinary roles first: once superusers sit in the shared slots, the reserved ones start earlier.
        for _ in range(users):
            stack.enter_context(server.connect())
        for _ in range(superusers):
            stack.enter_context(server.connect_admin())
        yield
    _wait_for_no_clients(server)


def _wait_for_no_clients(server: PostgresServer) -> None:
    # A backend exits a moment after its client hangs up; the next test must see the slots free again.
    query = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if server.sql(query) == [(1,)]:  # only the connection asking
                return
        except psycopg.OperationalError:
            pass
        time.sleep(0.01)
    raise AssertionError("connections were not released within 5 s")


@pytest.fixture(scope="session")
def redis() -> Iterator[RedisServer]:
    """A plain redis-server, no password."""
    with started(RedisServer()) as running:
        yield running


@pytest.fixture(scope="session")
def redis_auth() -> Iterator[RedisServer]:
    """requirepass set, and at most 3 clients."""
    with started(RedisServer(password=REDIS_PASSWORD, maxclients=3)) as running:
        yield running


@pytest.fixture(scope="session")
def redis_replica() -> Iterator[RedisServer]:
    """A replica of a master that does not exist (port 1 on loopback): read-only, link down."""
    with started(RedisServer(replicaof=("127.0.0.1", 1))) as running:
        yield running


@pytest.fixture(scope="session")
def pg_standby() -> Iterator[PostgresServer]:
    """A hot standby with no primary: accepts read-only sessions, pg_is_in_recovery() is true."""
    with started(PostgresServer(password=PG_PASSWORD, standby=True)) as running:
        yield running


@pytest.fixture(scope="session")
def pg_cold_standby() -> Iterator[PostgresServer]:
    """A standby with hot_standby off: in recovery for good and refusing every connection (57P03)."""
    server = PostgresServer(password=PG_PASSWORD, standby=True, settings={"hot_standby": "off"})
    with started(server) as running:
        yield running


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return make_test_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def ca_file(pki: TestPki) -> str:
    return str(pki.ca_file)


@pytest.fixture
def ca_dir(pki: TestPki) -> Path:
    return pki.ca_file.parent


@pytest.fixture
async def runner() -> AsyncIterator[Runner]:
    r = Runner()
    yield r
    r.net.close()


@pytest.fixture
def demo() -> DemoApp:
    return DemoApp()


@pytest.fixture
async def app(demo: DemoApp) -> AsyncIterator[HttpServer]:
    async with HttpServer(demo) as server:
        yield server


@pytest.fixture
async def tls_app(demo: DemoApp, pki: TestPki) -> AsyncIterator[HttpServer]:
    async with HttpServer(demo, ssl_context=pki.healthy) as server:
        yield server
