"""Fixtures for analysis tests; plain helpers (topologies, results, configs) live in `helpers.py`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infraprobe.testing.postgres import PostgresServer
from infraprobe.testing.redis import RedisServer
from tests.conftest import started

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def example() -> Path:
    """The staging-incident example shipped in examples/."""
    return ROOT / "examples" / "staging-incident.yaml"


@pytest.fixture
def fixtures() -> Path:
    return Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def small_pg() -> Iterator[PostgresServer]:
    """A real PostgreSQL on loopback with max_connections 10 (3 reserved): 7 usable slots."""
    server = started(PostgresServer(max_connections=10, superuser_reserved_connections=3))
    yield server
    server.close()


@pytest.fixture(scope="module")
def small_redis() -> Iterator[RedisServer]:
    """A real redis-server on loopback accepting 16 clients."""
    server = started(RedisServer(maxclients=16))
    yield server
    server.close()
