"""Every libpq parameter a user may put in a DSN works: ours are defaults, theirs win."""

from __future__ import annotations

import pytest

from infraprobe.probes.postgres import PostgresCheck
from infraprobe.result import Status
from infraprobe.testing.postgres import PostgresServer

from .conftest import Check

PARAMS = [
    "connect_timeout=5",
    "application_name=orders-api",
    "connect_timeout=3&application_name=orders-api",
    "sslmode=disable",
    "keepalives=1&keepalives_idle=30&keepalives_interval=10&keepalives_count=3",
    "options=-c%20statement_timeout%3D5000",
    "target_session_attrs=any",
    "client_encoding=UTF8",
    "gssencmode=disable",
    "fallback_application_name=worker",
]


@pytest.mark.needs_pg
@pytest.mark.parametrize("query", PARAMS)
async def test_url_dsn_parameters(pg: PostgresServer, check: Check, query: str) -> None:
    """connect_timeout= and application_name= used to fail with "got multiple values for keyword argument"."""
    result = await check(PostgresCheck(name="db", dsn=f"{pg.dsn()}?{query}"))
    assert result.status is Status.OK, result.message


@pytest.mark.needs_pg
async def test_key_value_dsn_parameters(pg: PostgresServer, check: Check) -> None:
    dsn = (
        f"host=127.0.0.1 port={pg.port} user={pg.user} password={pg.password} dbname={pg.database} "
        "connect_timeout=4 application_name='orders api'"
    )
    result = await check(PostgresCheck(name="db", dsn=dsn))
    assert result.status is Status.OK, result.message
