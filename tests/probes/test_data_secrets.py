"""No password given to a data-store check ever appears in its result, whatever the failure."""

from __future__ import annotations

import json

import psycopg
import pytest
from pydantic import ValidationError

from infraprobe.probes import postgres
from infraprobe.probes.postgres import PostgresCheck
from infraprobe.probes.redis import RedisCheck
from infraprobe.result import CheckResult, Status
from infraprobe.testing.postgres import PostgresServer
from infraprobe.testing.redis import RedisServer

from .conftest import PG_PASSWORD, REDIS_PASSWORD, WRONG_PASSWORD, Check, holding

CANARIES = (PG_PASSWORD, REDIS_PASSWORD, WRONG_PASSWORD)


def assert_clean(result: CheckResult) -> None:
    everything = json.dumps(result.to_dict())
    leaked = [c for c in CANARIES if c in everything]
    assert not leaked, f"password in result: {everything}"


@pytest.mark.needs_pg
async def test_postgres_failures_never_show_the_password(
    pg: PostgresServer, pg_small: PostgresServer, check: Check
) -> None:
    """Wrong password, missing db/role/hba/socket and a full server: message, facts, diagnosis hold no password."""
    dsns = [
        pg.dsn(password=WRONG_PASSWORD),
        pg.dsn(database="no_such_db"),
        pg.dsn(user="ghost"),
        pg_small.dsn(user="outsider"),
        f"postgresql://probe:{PG_PASSWORD}@/probe?host=/cloudsql/p:r:gone",
        f"postgresql://probe:{PG_PASSWORD}@127.0.0.1:1/probe",
    ]
    results = [await check(PostgresCheck(name="db", dsn=dsn)) for dsn in dsns]
    with holding(pg_small, users=3):
        results.append(await check(PostgresCheck(name="db", dsn=pg_small.dsn())))
    for result in results:
        assert result.status is Status.FAIL, result.message
        assert_clean(result)


@pytest.mark.needs_redis
async def test_redis_failures_never_show_the_password(
    redis_auth: RedisServer, redis_replica: RedisServer, check: Check
) -> None:
    """WRONGPASS, bad DB index, READONLY and refused: message, facts, diagnosis hold no password."""
    configs = [
        RedisCheck(name="c", url=redis_auth.url(password=WRONG_PASSWORD)),
        RedisCheck(name="c", url=redis_auth.url(db=99)),
        RedisCheck(name="c", url=redis_replica.url(password=REDIS_PASSWORD)),  # AUTH with no password set
        RedisCheck(name="c", host="127.0.0.1", port=1, password=REDIS_PASSWORD),
    ]
    for config in configs:
        result = await check(config)
        assert result.status is Status.FAIL, result.message
        assert_clean(result)
        assert REDIS_PASSWORD not in config.target()


def test_malformed_dsn_error_does_not_echo_the_password() -> None:
    """libpq quotes the fragment of a broken DSN it choked on; our config error message masks quoted parts."""
    with pytest.raises(ValidationError) as info:
        PostgresCheck(name="db", dsn=f"host=h user=u password {PG_PASSWORD}")
    message = info.value.errors()[0]["msg"]  # what the config loader prints (it never prints a dict input)
    assert message == 'Value error, invalid dsn: missing "=" after "..." in connection info string'
    assert PG_PASSWORD not in message


def test_error_text_containing_the_password_is_masked() -> None:
    """Should a driver ever echo the password, the probe re-raises the same error type with it masked."""
    with pytest.raises(psycopg.OperationalError) as info, postgres._scrubbed(PG_PASSWORD):
        raise psycopg.OperationalError(f"could not connect with password {PG_PASSWORD}")
    assert PG_PASSWORD not in str(info.value)
    assert "password ***" in str(info.value)
