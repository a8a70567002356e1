"""mysql probe against a real MariaDB on loopback: the fault matrix, facts, warnings and analysis.

Every failure goes through the real Runner and so through the classifier: cause, layer and component are
what a user would see. The shared server (tests/servers.py) has max_connections 20; tests that change a
global setting put it back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path
from typing import Any

import pymysql
import pytest
from pydantic import ValidationError

from infraprobe.cli.main import main
from infraprobe.phases import Phase
from infraprobe.probes.mysql import MysqlCheck
from infraprobe.result import Status
from infraprobe.taxonomy import Cause, Component, Layer
from infraprobe.testing.httpservers import DemoApp, HttpServer
from infraprobe.testing.mariadb import MariaDBServer
from infraprobe.testing.netfaults import ClosedPort, banner_server
from tests.servers import MARIADB_PASSWORD, mariadb

from .conftest import Check, leaks, phase_names, verdict

WRONG_PASSWORD = "canary-wrong-my-P9s3k7"


@pytest.fixture
def db() -> MariaDBServer:
    return mariadb()


@contextmanager
def global_setting(db: MariaDBServer, name: str, value: int) -> Iterator[None]:
    ((before,),) = db.sql(f"SELECT @@GLOBAL.{name}")
    db.sql(f"SET GLOBAL {name} = %s", (value,))
    try:
        yield
    finally:
        db.sql(f"SET GLOBAL {name} = %s", (before,))


@contextmanager
def all_connections_taken(db: MariaDBServer) -> Iterator[None]:
    """Hold ordinary connections until the server refuses the next one with 1040 (bounded by the limit)."""
    held: list[Any] = []
    refusal: pymysql.err.OperationalError | None = None
    try:
        while refusal is None and len(held) <= db.max_connections:
            try:
                held.append(db.connect())
            except pymysql.err.OperationalError as exc:
                refusal = exc
        assert refusal is not None and refusal.args[0] == 1040, refusal
        yield
    finally:
        for conn in held:
            conn.close()


async def test_healthy_server_reports_phases_and_capacity_facts(db: MariaDBServer, check: Check) -> None:
    """connect is timed apart from the handshake; the capacity facts are postgres's keys."""
    result = await check(MysqlCheck(name="db", url=db.url()))
    assert result.status is Status.OK, result.message
    assert phase_names(result) == [Phase.DNS, Phase.CONNECT, Phase.HANDSHAKE, Phase.QUERY]
    facts = result.facts
    assert facts["max_connections"] == 20 and facts["reserved_connections"] == 0
    assert 1 <= facts["connections_in_use"] < 20
    assert facts["headroom"] == 20 - facts["connections_in_use"]
    assert (facts["read_only"], facts["database"], facts["user"]) == (False, "probe", "probe@%")
    assert str(facts["server_version"]).split("-")[0] in result.message
    assert facts["peer"] == f"127.0.0.1:{db.port}"
    assert not leaks(result, MARIADB_PASSWORD, WRONG_PASSWORD)


async def test_separate_fields_reach_the_same_server(db: MariaDBServer, check: Check) -> None:
    """host/port/user/password/database fields instead of a url."""
    cfg = MysqlCheck(
        name="db", host="localhost", port=db.port, user="probe", password=MARIADB_PASSWORD, database="probe"
    )
    result = await check(cfg)
    assert result.status is Status.OK, result.message
    assert cfg.target() == f"localhost:{db.port}/probe"


async def test_wrong_password_is_auth_failed_in_the_handshake(db: MariaDBServer, check: Check) -> None:
    result = await check(MysqlCheck(name="db", url=db.url(password=WRONG_PASSWORD)))
    assert verdict(result) == (Cause.AUTH_FAILED, Layer.CONFIGURATION, Component.MYSQL, Phase.HANDSHAKE)
    assert "Access denied for user 'probe'" in result.message
    assert not leaks(result, MARIADB_PASSWORD, WRONG_PASSWORD)


async def test_missing_database_for_an_account_with_global_grants(db: MariaDBServer, check: Check) -> None:
    """An account that may see every database learns the name does not exist (1049): resource_missing."""
    db.sql("CREATE USER IF NOT EXISTS 'wide'@'%%' IDENTIFIED BY %s", (MARIADB_PASSWORD,))
    db.sql("GRANT SELECT ON *.* TO 'wide'@'%'")
    result = await check(MysqlCheck(name="db", url=db.url(user="wide", database="nope")))
    assert verdict(result) == (Cause.RESOURCE_MISSING, Layer.CONFIGURATION, Component.MYSQL, Phase.HANDSHAKE)
    assert "Unknown database 'nope'" in result.message


async def test_missing_database_for_an_account_with_database_grants(db: MariaDBServer, check: Check) -> None:
    """An account granted one database is told "access denied" for any other name (1044), existing or not."""
    result = await check(MysqlCheck(name="db", url=db.url(database="nope")))
    assert verdict(result) == (Cause.AUTH_FAILED, Layer.CONFIGURATION, Component.MYSQL, Phase.HANDSHAKE)
    assert "to database 'nope'" in result.message


async def test_closed_port_is_refused_in_connect(check: Check) -> None:
    with ClosedPort() as closed:
        result = await check(MysqlCheck(name="db", host="127.0.0.1", port=closed.port))
    expected = (Cause.CONNECTION_REFUSED, Layer.INFRASTRUCTURE, Component.MYSQL, Phase.CONNECT)
    assert verdict(result) == expected
    assert phase_names(result) == [Phase.DNS, Phase.CONNECT]


async def test_connection_limit_is_db_connection_limit(db: MariaDBServer, check: Check) -> None:
    """Every ordinary slot held: the server refuses the probe with 1040 Too many connections."""
    with global_setting(db, "max_connections", 10), all_connections_taken(db):
        result = await check(MysqlCheck(name="db", url=db.url()))
    expected = (Cause.DB_CONNECTION_LIMIT, Layer.INFRASTRUCTURE, Component.MYSQL, Phase.HANDSHAKE)
    assert verdict(result) == expected
    assert "Too many connections" in result.message


async def test_another_protocol_is_protocol_mismatch(check: Check) -> None:
    """Something that speaks first, but not MySQL (an SSH banner): protocol_mismatch, in the handshake."""
    async with banner_server(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n") as server:
        result = await check(MysqlCheck(name="db", host="127.0.0.1", port=server.port, timeout=3))
    expected = (Cause.PROTOCOL_MISMATCH, Layer.CONFIGURATION, Component.MYSQL, Phase.HANDSHAKE)
    assert verdict(result) == expected


async def test_silent_server_times_out_in_the_handshake(check: Check) -> None:
    """An HTTP server waits for the client, a MySQL server never does: the deadline names the handshake."""
    async with HttpServer(DemoApp()) as server:
        result = await check(MysqlCheck(name="db", host="127.0.0.1", port=server.port, timeout=0.5))
    assert verdict(result)[::3] == (Cause.READ_TIMEOUT, Phase.HANDSHAKE)
    assert "in the handshake phase" in result.message


async def test_read_only_server_warns(db: MariaDBServer, check: Check) -> None:
    with global_setting(db, "read_only", 1):
        result = await check(MysqlCheck(name="db", url=db.url()))
        relaxed = await check(MysqlCheck(name="db", url=db.url(), expect_writable=False))  # deprecated name
    assert result.status is Status.WARN and result.facts["read_only"] is True
    assert result.diagnosis is not None and result.diagnosis.cause is Cause.READ_ONLY
    assert relaxed.status is Status.OK


@pytest.mark.parametrize(
    ("role", "read_only", "writable"),
    [
        ("primary", (Status.WARN, Cause.READ_ONLY), (Status.OK, None)),
        ("replica", (Status.OK, None), (Status.FAIL, Cause.UNKNOWN)),
        ("any", (Status.OK, None), (Status.OK, None)),
    ],
)
async def test_role_against_read_only_and_writable(
    db: MariaDBServer,
    check: Check,
    role: Any,
    read_only: tuple[Status, Cause | None],
    writable: tuple[Status, Cause | None],
) -> None:
    """`role`, the same option and values as postgres and redis have; a replica here is a read_only server."""
    with global_setting(db, "read_only", 1):
        on_read_only = await check(MysqlCheck(name="db", url=db.url(), role=role))
    on_writable = await check(MysqlCheck(name="db", url=db.url(), role=role))
    got = [(r.status, r.diagnosis.cause if r.diagnosis else None) for r in (on_read_only, on_writable)]
    assert got == [read_only, writable], (on_read_only.message, on_writable.message)


async def test_low_headroom_warns_with_the_connection_limit_cause(db: MariaDBServer, check: Check) -> None:
    """min_headroom 20 of 20 connections can never be met while the probe itself holds one."""
    result = await check(MysqlCheck(name="db", url=db.url(), min_headroom="100%"))
    assert result.status is Status.WARN
    assert result.diagnosis is not None and result.diagnosis.cause is Cause.DB_CONNECTION_LIMIT
    assert "connections free" in result.message


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": "mysql://u@h/db", "host": "h"}, "exactly one of `url` or `host`"),
        ({}, "exactly one of `url` or `host`"),
        ({"url": "postgres://u@h/db"}, "url must look like mysql://"),
        ({"url": "mysql://u:secret@h:99999/db"}, "port is not a number"),
        ({"host": "h", "min_headroom": "ten"}, "min_headroom must be"),
        # Accepted once and then an AssertionError in the probe, which reads it as postgres does.
        ({"host": "h", "min_headroom": ".5%"}, "min_headroom must be"),
    ],
)
def test_config_errors(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        MysqlCheck(name="db", **fields)
    assert message in str(info.value)


def test_analyze_reads_mysql_capacity_facts_unchanged(
    db: MariaDBServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`analyze --observe`: the capacity and drift rules read max_connections from a mysql result."""
    config = tmp_path / "env.yaml"
    config.write_text(f"""
components:
  - {{name: db, kind: mysql, url: "{db.url()}"}}
topology:
  services:
    - {{name: api, max_instances: 3, pools: [{{server: db, size: 5, max_overflow: 2}}]}}
  databases: [{{name: db, max_connections: 100}}]
""")
    with pytest.raises(SystemExit):
        main(["analyze", "--format", "json", str(config), "--observe"])
    data = json.loads(capsys.readouterr().out)
    (pool,) = [f for f in data["findings"] if f["code"] == "pool_over_capacity"]
    assert "21 > max_connections 20 (observed; declared 100)" in pool["evidence"]
    drift = [f["evidence"] for f in data["findings"] if f["code"] == "drift"]
    assert "db max_connections: declared 100, observed 20" in drift
    assert MARIADB_PASSWORD not in json.dumps(data)


# The healthy run tests/core/test_vocabulary.py makes of this kind (every phase and fact it emits is declared).
async def vocabulary_scenario(stack: AsyncExitStack, tmp: Path) -> MysqlCheck:
    return MysqlCheck(name="c", url=mariadb().url())


# This kind's places for a secret in tests/core/test_secrets.py's canary config (its placeholders are listed there).
SECRET_CANARIES = """
  - {{name: mysql-url, kind: mysql, url: "mysql://app:${{PW}}@127.0.0.1:{closed}/app"}}
  - {{name: mysql-field, kind: mysql, host: 127.0.0.1, port: {closed}, user: app, password: "{literal}"}}
"""
