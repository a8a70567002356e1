"""One server of each slow-to-start kind per test process, shared by every test that needs one.

MariaDB (a few seconds to create its data directory) and RabbitMQ (seconds to boot an Erlang node) are
started on first use and stopped when the test process exits (`testing._localserver` tracks every server it
starts); a test that changes a shared server's settings restores them. Without the server's software the
test is skipped, as the PostgreSQL and Redis tests are.
"""

from __future__ import annotations

import functools

import pytest

from infraprobe.testing.mariadb import MariaDBServer, ServerUnavailable
from infraprobe.testing.rabbitmq import RabbitMQServer

# Canary secret: tests assert it never appears in any result.
MARIADB_PASSWORD = "canary-my-R4v8q2"
RABBITMQ_PASSWORD = "canary-mq-H6c1x5"


@functools.cache
def _mariadb() -> MariaDBServer:
    return MariaDBServer(password=MARIADB_PASSWORD).start()


def mariadb() -> MariaDBServer:
    """The shared MariaDB server (20 connections; account `probe` on database `probe`), or a skip."""
    try:
        return _mariadb()
    except ServerUnavailable as exc:  # not `started()`: the shared server is cached, a skip is not
        pytest.skip(str(exc))


@functools.cache
def _rabbitmq() -> RabbitMQServer:
    return RabbitMQServer(password=RABBITMQ_PASSWORD).start()


def rabbitmq() -> RabbitMQServer:
    """The shared RabbitMQ node (account `probe`, vhost `probe`), or a skip."""
    try:
        return _rabbitmq()
    except ServerUnavailable as exc:
        pytest.skip(str(exc))
