"""The throwaway-server helpers start real servers on free loopback ports and leave nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from infraprobe.testing._localserver import port_open
from infraprobe.testing.postgres import PostgresServer, ServerStartError
from infraprobe.testing.redis import RedisServer


@pytest.mark.needs_pg
def test_postgres_server_cleans_up_and_restarts() -> None:
    """A cluster answers SQL, restarts on the same port after stop(), and close() removes every file."""
    server = PostgresServer(max_connections=7).start()
    root, port = server.root, server.port
    assert server.sql("SHOW max_connections") == [("7",)]
    assert server.sql("SELECT rolname FROM pg_roles WHERE rolname = 'probe'") == [("probe",)]
    server.stop()
    assert not port_open(port)
    server.start()
    assert server.port == port
    assert port_open(port)
    server.close()
    assert not port_open(port)
    assert not root.exists()


@pytest.mark.needs_pg
def test_postgres_servers_do_not_share_ports_or_files() -> None:
    """Two clusters at once get their own ports and directories (and the machine's 5432 is never used)."""
    with PostgresServer() as one, PostgresServer() as two:
        assert one.port != two.port
        assert one.root != two.root
        assert 5432 not in (one.port, two.port)


@pytest.mark.needs_redis
def test_redis_server_cleans_up_and_keeps_data_across_restart() -> None:
    """A saved dataset survives restart() on the same port; close() stops the process and removes its dir."""
    server = RedisServer().start()
    root, port = server.root, server.port
    server.command("SET", "k", "v")
    server.command("SAVE")
    server.restart()
    assert server.port == port
    assert server.command("GET", "k") == b"v"
    server.close()
    assert not port_open(port)
    assert not root.exists()
    assert port != 6379


@pytest.mark.needs_pg
def test_failed_postgres_start_leaves_nothing() -> None:
    """A setting the server rejects raises ServerStartError with the log, and removes the temp dir."""
    server = PostgresServer(settings={"shared_buffers": "nonsense"})
    with pytest.raises(ServerStartError, match="shared_buffers"):
        server.start()
    assert server.root == Path()


@pytest.mark.needs_redis
def test_failed_redis_start_leaves_nothing() -> None:
    """An option redis-server rejects raises ServerStartError with its log, and removes the temp dir."""
    server = RedisServer(args=("--no-such-option", "1"))
    with pytest.raises(ServerStartError, match="no-such-option"):
        server.start()
    assert server.root == Path()
