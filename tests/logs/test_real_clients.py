"""Logs written by real failing clients (redis-py, SQLAlchemy, psycopg) through `logging`, then scanned.

Network rule: loopback servers and `*.invalid` names only; each client fails a bounded number of times.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
import redis
import sqlalchemy
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy.pool import QueuePool

from infraprobe.logs import scan
from infraprobe.taxonomy import Cause, Component
from infraprobe.testing.postgres import PostgresServer

from .conftest import NOW, by_cause

FileLogger = Callable[[str], tuple[logging.Logger, Path]]


def _log_failures(logger: logging.Logger, attempt: Callable[[], object], times: int) -> None:
    for _ in range(times):
        try:
            attempt()
        except Exception:
            logger.exception("request failed")
        logger.info("GET /api/orders 200 in 12 ms")  # ordinary traffic between failures


def test_redis_unresolvable_host_is_dns_failure_on_redis(file_logger: FileLogger) -> None:
    """redis-py's traceback for an unresolvable name is one dns_failure:redis event per attempt, timed."""
    logger, path = file_logger("redis")
    client = redis.Redis(host="cache.invalid", socket_connect_timeout=2, retry=Retry(NoBackoff(), 0))
    _log_failures(logger, client.ping, times=3)
    summary = scan(path, now=NOW)
    assert by_cause(summary) == {"dns_failure:redis": 3}
    finding = summary.findings[0]
    assert "name or service not known" in finding.example.text.lower()  # the innermost cause's line
    assert finding.first_seen is not None and finding.last_seen is not None
    assert finding.example.line == 1  # the event starts at the "request failed" header, not mid-traceback
    assert summary.clusters == ()


@pytest.mark.needs_pg
def test_sqlalchemy_queuepool_exhausted_against_postgres(file_logger: FileLogger) -> None:
    """An exhausted SQLAlchemy QueuePool over a real PostgreSQL is pool_exhausted (application layer)."""
    logger, path = file_logger("sqlalchemy")
    with PostgresServer() as pg:
        url = pg.dsn().replace("postgresql://", "postgresql+psycopg://")
        engine = sqlalchemy.create_engine(
            url, poolclass=QueuePool, pool_size=1, max_overflow=0, pool_timeout=0.1
        )
        with engine.connect():
            _log_failures(logger, engine.connect, times=2)
        engine.dispose()
    summary = scan(path, now=NOW)
    assert [(f.cause, f.count) for f in summary.findings] == [(Cause.POOL_EXHAUSTED, 2)]
    assert "QueuePool limit of size 1 overflow 0 reached" in summary.findings[0].example.text


@pytest.mark.needs_pg
def test_psycopg_against_full_server_is_db_connection_limit(file_logger: FileLogger) -> None:
    """psycopg refused by a server at max_connections is db_connection_limit:postgres, secrets masked."""
    logger, path = file_logger("psycopg")
    with PostgresServer(max_connections=5, superuser_reserved_connections=3) as pg:
        held = [pg.connect() for _ in range(2)]
        try:
            _log_failures(logger, lambda: psycopg.connect(pg.dsn(), connect_timeout=5), times=2)
        finally:
            for conn in held:
                conn.close()
    summary = scan(path, now=NOW, component="postgres")
    assert by_cause(summary) == {"db_connection_limit:postgres": 2}
    assert summary.findings[0].component is Component.POSTGRES
    assert "probe-password" not in summary.findings[0].example.text


def test_expect_none_reports_offending_lines(file_logger: FileLogger) -> None:
    """`expect_none` on a real redis failure lists the offending events with their line numbers."""
    logger, path = file_logger("assert")
    client = redis.Redis(host="cache.invalid", socket_connect_timeout=2, retry=Retry(NoBackoff(), 0))
    _log_failures(logger, client.ping, times=2)
    summary = scan(path, now=NOW, expect_none=["dns_failure:redis", "pool_exhausted"])
    broken = {str(v.expectation): v for v in summary.violations}
    assert broken["dns_failure:redis"].count == 2
    assert [o.line for o in broken["dns_failure:redis"].occurrences][:1] == [1]
    assert broken["pool_exhausted"].count == 0
    assert summary.failed
