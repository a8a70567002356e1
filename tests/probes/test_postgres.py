"""The postgres probe against real clusters: healthy facts and timings, and each fault classified."""

from __future__ import annotations

import json
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from infraprobe.probes.postgres import PostgresCheck, min_headroom
from infraprobe.result import Status
from infraprobe.taxonomy import Cause, Layer
from infraprobe.testing.postgres import PostgresServer
from tests.conftest import run_cli, started

from .conftest import PG_PASSWORD, WRONG_PASSWORD, Check, cause, holding, phase_names

pytestmark = pytest.mark.needs_pg


def cfg(**fields: object) -> PostgresCheck:
    return PostgresCheck.model_validate({"name": "db", **fields})


async def test_healthy_over_tcp_reports_facts_and_phases(pg: PostgresServer, check: Check) -> None:
    """A healthy cluster passes with version, recovery, connection and headroom facts and three phases."""
    result = await check(cfg(dsn=pg.dsn()))
    assert result.status is Status.OK, result.message
    assert phase_names(result) == ["dns", "connect", "handshake", "query"]
    facts = result.facts
    assert str(facts["server_version"]).split(".")[0].isdigit()
    assert facts["in_recovery"] is False
    assert facts["max_connections"] == 20
    assert facts["reserved_connections"] == 3
    assert isinstance(facts["connections_in_use"], int)
    assert facts["connections_in_use"] >= 1
    assert facts["headroom"] == 20 - 3 - facts["connections_in_use"]
    assert (facts["database"], facts["user"]) == ("probe", "probe")


async def test_separate_fields_work_like_a_dsn(pg: PostgresServer, check: Check) -> None:
    """host/port/user/password/database fields are an alternative to dsn."""
    fields = {"host": pg.host, "port": pg.port, "user": "probe", "password": PG_PASSWORD, "database": "probe"}
    result = await check(cfg(**fields))
    assert result.status is Status.OK, result.message


async def test_key_value_dsn_with_separate_password(pg: PostgresServer, check: Check) -> None:
    """A libpq key=value DSN works, with the password kept out of it in its own field."""
    dsn = f"host={pg.host} port={pg.port} user=probe dbname=probe"
    result = await check(cfg(dsn=dsn, password=PG_PASSWORD))
    assert result.status is Status.OK, result.message


async def test_unix_socket_in_cloud_sql_shape(pg: PostgresServer, check: Check) -> None:
    """A Cloud SQL-style socket DSN (postgresql://u:p@/db?host=/cloudsql/p:r:i) connects with no dns phase."""
    assert ":" in str(pg.socket_dir)
    result = await check(cfg(dsn=pg.socket_dsn()))
    assert result.status is Status.OK, result.message
    assert phase_names(result) == ["connect", "handshake", "query"]
    assert result.facts["socket"] == f"{pg.socket_dir}/.s.PGSQL.{pg.port}"


async def test_wrong_password_is_auth_failed(pg: PostgresServer, check: Check) -> None:
    """The server's 28P01 for a wrong password is classified auth_failed, in the handshake phase."""
    result = await check(cfg(dsn=pg.dsn(password=WRONG_PASSWORD)))
    assert "password authentication failed" in result.message
    assert phase_names(result)[-1] == "handshake"
    assert cause(result) is Cause.AUTH_FAILED


async def test_missing_database_is_resource_missing(pg: PostgresServer, check: Check) -> None:
    """A database that does not exist (3D000) is resource_missing."""
    result = await check(cfg(dsn=pg.dsn(database="no_such_db")))
    assert 'database "no_such_db" does not exist' in result.message
    assert cause(result) is Cause.RESOURCE_MISSING


async def test_missing_role_is_auth_failed(pg: PostgresServer, check: Check) -> None:
    """A role that does not exist fails SCRAM like a wrong password (the server hides which): auth_failed."""
    result = await check(cfg(dsn=pg.dsn(user="ghost")))
    assert 'password authentication failed for user "ghost"' in result.message
    assert cause(result) is Cause.AUTH_FAILED


async def test_no_pg_hba_entry_is_auth_failed(pg_small: PostgresServer, check: Check) -> None:
    """An existing role with no pg_hba.conf line for its address is auth_failed."""
    result = await check(cfg(dsn=pg_small.dsn(user="outsider")))
    assert "no pg_hba.conf entry" in result.message
    assert cause(result) is Cause.AUTH_FAILED


async def test_missing_socket_directory_is_resource_missing(check: Check) -> None:
    """A socket directory that does not exist fails before libpq, as resource_missing, naming the path."""
    result = await check(cfg(dsn=f"postgresql://probe:{PG_PASSWORD}@/probe?host=/cloudsql/proj:region:gone"))
    assert result.status is Status.FAIL
    assert "/cloudsql/proj:region:gone does not exist" in result.message
    assert cause(result) is Cause.RESOURCE_MISSING


async def test_missing_socket_file_is_resource_missing(pg: PostgresServer, check: Check) -> None:
    """The directory exists but nothing serves that port in it: resource_missing, naming the socket file."""
    result = await check(cfg(host=str(pg.socket_dir), port=1, user="probe", password=PG_PASSWORD))
    assert f"{pg.socket_dir}/.s.PGSQL.1" in result.message
    assert cause(result) is Cause.RESOURCE_MISSING


async def test_low_headroom_warns(pg_small: PostgresServer, check: Check) -> None:
    """With 2 of 3 usable slots held, the probe's own connection leaves 0 free: a db_connection_limit warning."""
    with holding(pg_small, users=2):
        result = await check(cfg(dsn=pg_small.dsn(), min_headroom=1))
    assert result.status is Status.WARN, result.message
    assert result.facts["headroom"] == 0
    assert "0 of 3 connection slots free" in result.message
    assert cause(result) is Cause.DB_CONNECTION_LIMIT


async def test_reserved_slots_reached_is_connection_limit(pg_small: PostgresServer, check: Check) -> None:
    """All non-reserved slots held: 'remaining connection slots are reserved' is db_connection_limit."""
    with holding(pg_small, users=3):
        result = await check(cfg(dsn=pg_small.dsn()))
    assert "remaining connection slots are reserved" in result.message
    assert cause(result) is Cause.DB_CONNECTION_LIMIT


async def test_too_many_clients_is_connection_limit(pg_small: PostgresServer, check: Check) -> None:
    """Every slot held, reserved ones included: 'too many clients already' is db_connection_limit."""
    with holding(pg_small, users=3, superusers=2):
        result = await check(cfg(dsn=pg_small.dsn()))
    assert "too many clients already" in result.message
    assert cause(result) is Cause.DB_CONNECTION_LIMIT


async def test_stopped_server_is_connection_refused(check: Check) -> None:
    """A cluster that ran and was stopped refuses connections on its port: connection_refused."""
    with PostgresServer(password=PG_PASSWORD) as server:
        assert (await check(cfg(dsn=server.dsn()))).status is Status.OK
        server.stop()
        result = await check(cfg(dsn=server.dsn()))
    assert phase_names(result)[-1] == "connect"  # our own TCP connect, as in the tcp probe
    assert cause(result) is Cause.CONNECTION_REFUSED


async def test_standby_warns_read_only(pg_standby: PostgresServer, check: Check) -> None:
    """A server in recovery answers but warns read_only, with in_recovery as a fact."""
    result = await check(cfg(dsn=pg_standby.dsn()))
    assert result.status is Status.WARN, result.message
    assert result.facts["in_recovery"] is True
    assert cause(result) is Cause.READ_ONLY


@pytest.mark.parametrize(
    ("role", "on_standby", "on_primary"),
    [
        ("primary", (Status.WARN, Cause.READ_ONLY), (Status.OK, None)),
        ("replica", (Status.OK, None), (Status.FAIL, Cause.UNKNOWN)),
        ("any", (Status.OK, None), (Status.OK, None)),
    ],
)
async def test_role_against_a_standby_and_a_primary(
    pg_standby: PostgresServer,
    pg: PostgresServer,
    check: Check,
    role: str,
    on_standby: tuple[Status, Cause | None],
    on_primary: tuple[Status, Cause | None],
) -> None:
    """`role` (shared with mysql and redis): primary warns on a standby, replica fails on a primary (the
    check points at the wrong server: a configuration problem), any accepts both."""
    standby = await check(cfg(dsn=pg_standby.dsn(), role=role))
    primary = await check(cfg(dsn=pg.dsn(), role=role))
    assert (standby.status, cause(standby)) == on_standby, standby.message
    assert (primary.status, cause(primary)) == on_primary, primary.message
    if primary.diagnosis is not None:
        assert primary.diagnosis.layer is Layer.CONFIGURATION
        assert "not in recovery (a primary)" in primary.diagnosis.evidence


async def test_deprecated_expect_primary_still_works(pg_standby: PostgresServer, check: Check) -> None:
    """expect_primary: false, the old name of role: any, still turns the recovery warning off."""
    result = await check(cfg(dsn=pg_standby.dsn(), expect_primary=False))
    assert result.status is Status.OK, result.message


async def test_not_accepting_connections_is_service_starting(
    pg_cold_standby: PostgresServer, check: Check
) -> None:
    """A server in recovery that refuses sessions (57P03, 'not accepting connections') is service_starting."""
    result = await check(cfg(dsn=pg_cold_standby.dsn()))
    assert "the database system is not accepting connections" in result.message
    assert cause(result) is Cause.SERVICE_STARTING


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "exactly one of `dsn` or `host`"),
        ({"dsn": "postgresql://u@h/db", "host": "h"}, "exactly one of `dsn` or `host`"),
        ({"dsn": "postgresql://u@/db"}, "names no host"),
        ({"dsn": "postgresql://u@h1,h2/db"}, "exactly one host"),
        ({"dsn": "postgresql://u@h/db", "user": "x"}, "only `password` may be separate"),
        ({"host": "h", "min_headroom": "ten"}, "percentage"),
    ],
)
def test_invalid_config_is_rejected(fields: dict[str, object], message: str) -> None:
    """Each config mistake is a validation error with a message that says what to do."""
    with pytest.raises(ValueError, match=message):
        cfg(**fields)


@pytest.mark.parametrize(
    ("setting", "usable", "expected"),
    [(None, 17, 3), (None, 200, 20), (5, 17, 5), ("25%", 100, 25), ("10%", 3, 1)],
)
def test_min_headroom_threshold(setting: int | str | None, usable: int, expected: int) -> None:
    """Default threshold is max(3, 10% of usable slots); an int is slots, 'N%' a share of usable slots."""
    assert min_headroom(setting, usable) == expected


# The healthy run tests/core/test_vocabulary.py makes of this kind (every phase and fact it emits is declared).
async def vocabulary_scenario(stack: AsyncExitStack, tmp: Path) -> PostgresCheck:
    server = stack.enter_context(started(PostgresServer()))
    return PostgresCheck(name="c", dsn=server.dsn())


# This kind's places for a secret in tests/core/test_secrets.py's canary config (its placeholders are listed there).
SECRET_CANARIES = """
  - {{name: pg-dsn, kind: postgres, dsn: "postgresql://app:${{PW}}@127.0.0.1:{closed}/app?connect_timeout=2"}}
  - {{name: pg-kv, kind: postgres, dsn: "host=127.0.0.1 port={closed} user=app password=${{PW}} dbname=app"}}
  - {{name: pg-field, kind: postgres, host: 127.0.0.1, port: {closed}, user: app, password: "{literal}"}}
  - {{name: pg-odd, kind: postgres, host: 127.0.0.1, port: {closed}, user: app, password: "${{ODD}}"}}
"""


def test_role_from_a_config_file_with_the_old_name(pg_standby: PostgresServer, tmp_path: Path) -> None:
    """As a user runs it: `check` of a file that still says expect_primary: false passes on a standby, and
    stderr says where the old name is written and what to write instead; `role: replica` passes the same."""
    config = tmp_path / "env.yaml"
    head = f"components:\n  - name: db\n    kind: postgres\n    dsn: {pg_standby.dsn()}\n"
    config.write_text(head + "    expect_primary: false\n")
    old = run_cli("check", str(config), "-o", "json")
    config.write_text(head + "    role: replica\n")
    new = run_cli("check", str(config), "-o", "json")
    assert old.returncode == 0 and new.returncode == 0, (old.stderr, new.stderr)
    assert [json.loads(r.stdout)["results"][0]["status"] for r in (old, new)] == ["ok", "ok"]
    expected = f"warning: {config}:5:5: components[0].expect_primary: deprecated; write `role: any` instead"
    assert old.stderr.strip() == expected
    assert "warning" not in new.stderr
