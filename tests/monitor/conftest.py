"""Fixtures for the monitor: one throwaway PostgreSQL for the package, a fresh database (or SQLite file) per test."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg import sql

from infraprobe.monitor.store import Store, open_store
from infraprobe.testing.postgres import PostgresServer
from infraprobe.testing.redis import RedisServer
from tests.conftest import started

_names = itertools.count()


@pytest.fixture(scope="package")
def pg() -> Iterator[PostgresServer]:
    server = started(PostgresServer(max_connections=30))
    yield server
    server.close()


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    server = started(RedisServer())
    yield server
    server.close()


def fresh_pg_url(server: PostgresServer) -> str:
    name = f"history_{next(_names)}"
    server.sql(
        sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(server.user))
    )
    return server.dsn(database=name)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/history.db"
    return fresh_pg_url(request.getfixturevalue("pg"))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()
