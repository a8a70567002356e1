"""postgres: connect (libpq, auth included), one query for version, recovery and connection headroom.

Phases: dns (our resolver) -> connect (our own TCP connect, so refused/unreachable/silent addresses read
as they do for every other probe) -> handshake (libpq, pinned by `hostaddr` to the address that answered:
start-up packet, TLS, authentication) -> query. A unix-socket host (`host=/cloudsql/proj:region:inst`) has
no dns phase; its directory and socket file are checked first, because libpq's own error for a missing
path reads like a server that is down.

psycopg errors are raised unchanged for the classifier, which maps them by SQLSTATE and message text.
The password never reaches a message, fact or evidence: libpq can echo pieces of a malformed DSN, so
every error text is scrubbed of it before it leaves the probe.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infraprobe import facts
from infraprobe.errors import ProbeFailed
from infraprobe.net import Net
from infraprobe.phases import Phase
from infraprobe.probes._role import judge_role
from infraprobe.probes.base import ProbeRun, ProbeSpec
from infraprobe.probes.models.postgres import DEFAULT_PORT, PostgresCheck, connection_params, min_headroom
from infraprobe.taxonomy import Cause, Component

if TYPE_CHECKING:
    import psycopg


# One round trip. Only client backends count against max_connections (autovacuum, walsenders and
# background workers have their own slots). `reserved_connections` exists from PostgreSQL 16 on.
STATS_SQL = """
SELECT 1,
       current_setting('server_version'),
       pg_is_in_recovery(),
       (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int,
       current_setting('max_connections')::int,
       current_setting('superuser_reserved_connections')::int
         + coalesce(current_setting('reserved_connections', true), '0')::int,
       current_database(),
       current_user
"""


@dataclass(frozen=True, slots=True)
class Stats:
    version: str
    in_recovery: bool
    in_use: int
    max_connections: int
    reserved: int
    database: str
    user: str

    @property
    def usable(self) -> int:
        """Slots an ordinary role may use: the rest are kept for superusers (and pg_use_reserved_connections)."""
        return self.max_connections - self.reserved

    @property
    def headroom(self) -> int:
        return self.usable - self.in_use


async def probe(cfg: PostgresCheck, run: ProbeRun) -> str:
    params = connection_params(cfg)
    with _scrubbed(params.get("password")):
        conn = await _connect(cfg, params, run)
        try:
            run.fact(facts.ADDRESS, conn.info.hostaddr or conn.info.host)
            with run.phase(Phase.QUERY):
                cursor = await conn.execute(STATS_SQL)
                row = await cursor.fetchone()
        finally:
            await conn.close()
    assert row is not None
    stats = Stats(*row[1:])
    _record(run, stats)
    _judge(cfg, run, stats)
    role = "standby" if stats.in_recovery else "primary"
    return f"SELECT 1 ok on PostgreSQL {stats.version.split()[0]} ({role}), {stats.headroom} of {stats.usable} slots free"


async def _connect(cfg: PostgresCheck, params: dict[str, Any], run: ProbeRun) -> psycopg.AsyncConnection[Any]:
    import psycopg

    host, port = str(params["host"]), int(params.get("port") or DEFAULT_PORT)
    socket_dir = Path(host) if host.startswith("/") else None
    if socket_dir is None:
        params = await _reached(params, host, port, run)
    else:
        with run.phase(Phase.CONNECT):
            _check_socket(run, socket_dir, port)
    # libpq's part: the start-up packet, TLS and authentication. A peer that accepted TCP and never
    # answers hangs here, which is a read timeout, not a connect timeout.
    with run.phase(Phase.HANDSHAKE):
        # The DSN's own libpq parameters win over our defaults (passing both was "multiple values").
        return await psycopg.AsyncConnection.connect(**{**_connect_options(cfg), **params})


def _connect_options(cfg: PostgresCheck) -> dict[str, Any]:
    # libpq counts connect_timeout in whole seconds and treats values below 2 as 2; the runner's own
    # deadline still bounds the check precisely.
    return {
        "autocommit": True,
        "connect_timeout": max(2, math.ceil(cfg.timeout)),
        "application_name": "infraprobe",
    }


async def _reached(params: dict[str, Any], host: str, port: int, run: ProbeRun) -> dict[str, Any]:
    """Our own dns and connect phases, then libpq pinned to the address that answered.

    libpq reports a refused, unreachable or silent address in words that depend on its version and on
    when the kernel noticed ("server closed the connection unexpectedly" for ENETUNREACH): connecting
    ourselves first gives postgres the same connect verdicts as the tcp, http and redis probes.
    """
    with run.phase(Phase.DNS):
        addresses = await run.net.resolver.resolve(host, port)
    with run.phase(Phase.CONNECT):
        _, writer = await run.net.connect(addresses)
    ip = writer.get_extra_info("peername")[0]
    writer.transport.abort()  # nothing was sent: the server forgets it without a log line
    # `host` stays the name, for TLS verification; `hostaddr` keeps libpq from resolving it again.
    return {**params, "host": host, "hostaddr": ip}


def _check_socket(run: ProbeRun, directory: Path, port: int) -> None:
    socket_file = directory / f".s.PGSQL.{port}"
    if not directory.is_dir():
        run.fail(
            Cause.RESOURCE_MISSING,
            f"socket directory {directory} does not exist (is the Cloud SQL proxy / volume mounted here?)",
            rule="postgres-socket:dir",
        )
    if not socket_file.exists():
        run.fail(
            Cause.RESOURCE_MISSING,
            f"no socket {socket_file}: nothing serves port {port} in {directory} "
            "(server or Cloud SQL proxy not running for this instance, or wrong port)",
            rule="postgres-socket:file",
        )
    run.fact(facts.SOCKET, str(socket_file))


@contextmanager
def _scrubbed(password: str | None) -> Iterator[None]:
    """Re-raise any error whose text contains the password with that text masked, same type."""
    try:
        yield
    except ProbeFailed:
        raise
    except Exception as exc:
        if not password or password not in str(exc):
            raise
        raise _masked(exc, password) from None


def _masked(exc: Exception, password: str) -> Exception:
    message = str(exc).replace(password, "***")
    try:
        return type(exc)(message)
    except Exception:
        return RuntimeError(message)


def _record(run: ProbeRun, stats: Stats) -> None:
    run.fact(facts.SERVER_VERSION, stats.version)
    run.fact(facts.IN_RECOVERY, stats.in_recovery)
    run.fact(facts.CONNECTIONS_IN_USE, stats.in_use)
    run.fact(facts.MAX_CONNECTIONS, stats.max_connections)
    run.fact(facts.RESERVED_CONNECTIONS, stats.reserved)
    run.fact(facts.HEADROOM, stats.headroom)
    run.fact(facts.DATABASE, stats.database)
    run.fact(facts.USER, stats.user)


def _judge(cfg: PostgresCheck, run: ProbeRun, stats: Stats) -> None:
    threshold = min_headroom(cfg.min_headroom, stats.usable)
    if stats.headroom < threshold:
        run.warn(
            f"only {stats.headroom} of {stats.usable} connection slots free ({stats.in_use} in use, "
            f"max_connections {stats.max_connections}, {stats.reserved} reserved; warn below {threshold})",
            Cause.DB_CONNECTION_LIMIT,
        )
    judge_role(
        run,
        cfg.role,
        is_replica=stats.in_recovery,
        replica="in recovery (a standby)",
        primary="not in recovery (a primary)",
        rule="pg_is_in_recovery",
    )


def _prepare(cfg: PostgresCheck, net: Net) -> None:
    import psycopg  # noqa: F401  (~80 ms: loaded before the clocks start, not inside a connect phase)


SPEC = ProbeSpec(
    "postgres",
    PostgresCheck,
    probe,
    Component.POSTGRES,
    "connect + SELECT 1: auth, database, version, recovery, connection headroom",
    prepare=_prepare,
)
