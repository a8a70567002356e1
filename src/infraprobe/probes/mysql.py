"""mysql: MySQL or MariaDB: connect, authenticate, SELECT 1, read_only and connection headroom.

Phases: dns (our resolver) -> connect (TCP, our socket) -> handshake (the server's greeting,
authentication and the database, done by PyMySQL) -> query (SELECT 1 with the settings, then
Threads_connected). MySQL servers speak first, so a server that says nothing in the handshake phase is
either hung or not MySQL at all.

PyMySQL runs in a worker thread: it is pure Python, maintained, and its `connect(sock=...)` takes a socket
we connected ourselves, so the TCP connect is timed (and refused / unreachable told apart) before the
protocol starts. The async drivers (aiomysql, asyncmy) open their own connection inside one call, which
would fold connect and handshake into one phase. When the runner's deadline cancels the check, the socket
is shut down so the thread returns at once instead of waiting on its own timeout.

PyMySQL errors are raised unchanged for the classifier, which maps them by MySQL error number
(1045 access denied, 1049 unknown database, 1040 too many connections, ...) and message text.
`max_connections` and `Threads_connected` are recorded as the same capacity facts the postgres probe
records, so capacity and drift analysis read a MySQL server unchanged.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from infraprobe import facts
from infraprobe.net import Address, Net
from infraprobe.phases import Phase
from infraprobe.probes._role import judge_role
from infraprobe.probes.base import ProbeRun, ProbeSpec
from infraprobe.probes.models.mysql import MysqlCheck, Target, resolve_target
from infraprobe.probes.models.postgres import min_headroom
from infraprobe.taxonomy import Cause, Component

if TYPE_CHECKING:
    import pymysql

# One round trip for the settings; Threads_connected is a status variable, which MySQL 8 no longer
# exposes in information_schema, so SHOW is the one spelling both servers accept.
SETTINGS_SQL = "SELECT 1, VERSION(), @@read_only, @@max_connections, DATABASE(), CURRENT_USER()"
THREADS_SQL = "SHOW GLOBAL STATUS LIKE 'Threads_connected'"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Stats:
    version: str
    read_only: bool
    max_connections: int
    in_use: int
    database: str | None
    user: str

    @property
    def headroom(self) -> int:
        # Both servers keep one connection beyond max_connections for SUPER (CONNECTION_ADMIN), so an
        # ordinary account may use all of max_connections: nothing is reserved out of it.
        return self.max_connections - self.in_use


async def probe(cfg: MysqlCheck, run: ProbeRun) -> str:
    t = resolve_target(cfg)
    with run.phase(Phase.DNS):
        addresses = await run.net.resolver.resolve(t.host, t.port)
    run.fact(facts.ADDRESSES, [a[1][0] for a in addresses])
    with run.phase(Phase.CONNECT):
        sock = await _open_socket(addresses)
    conn = _client(cfg, t)
    try:
        run.fact(facts.PEER, _peer(sock))
        with run.phase(Phase.HANDSHAKE):
            await _in_thread(sock, conn.connect, sock)
        with run.phase(Phase.QUERY):
            stats = await _in_thread(sock, _query, conn)
    finally:
        sock.close()  # PyMySQL closes its own handle; this one is ours, and closing twice is harmless
    _record(run, stats)
    _judge(cfg, run, stats)
    role = "read-only" if stats.read_only else "writable"
    return f"SELECT 1 ok on {stats.version} ({role}), {stats.headroom} of {stats.max_connections} connections free"


async def _open_socket(addresses: list[Address]) -> socket.socket:
    """A connected socket to the first address that accepts; the first address's error otherwise.

    Not `Net.connect`: an asyncio stream would start reading at once and swallow the greeting the
    server sends first, which PyMySQL must read itself."""
    loop = asyncio.get_running_loop()
    first_error: OSError | None = None
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, sockaddr)
        except OSError as exc:
            sock.close()
            first_error = first_error or exc
            continue
        except BaseException:
            sock.close()
            raise
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    assert first_error is not None, "resolve() returns at least one address"
    raise first_error


def _peer(sock: socket.socket) -> str:
    ip, port = sock.getpeername()[:2]
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _client(cfg: MysqlCheck, t: Target) -> pymysql.Connection[Any]:
    import pymysql

    # The socket's own timeout is only a backstop: the runner's deadline ends the check first and shuts
    # the socket down. autocommit=None: no SET autocommit round trip, a probe runs no transaction.
    backstop = cfg.timeout + 5
    return pymysql.Connection(
        host=t.host,
        port=t.port,
        user=t.user or "",
        password=t.password or "",
        database=t.database,
        defer_connect=True,
        read_timeout=backstop,
        write_timeout=backstop,
        autocommit=None,
        program_name="infraprobe",
    )


async def _in_thread(sock: socket.socket, fn: Callable[..., T], *args: Any) -> T:
    """Run blocking PyMySQL work in a thread; on cancellation, unblock the thread by shutting the socket."""
    try:
        return await asyncio.to_thread(fn, *args)
    except asyncio.CancelledError:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed by the other side
        raise


def _query(conn: pymysql.Connection[Any]) -> Stats:
    try:
        with conn.cursor() as cur:
            cur.execute(SETTINGS_SQL)
            row = cur.fetchone()
            cur.execute(THREADS_SQL)
            threads = cur.fetchone()
    finally:
        if conn.open:  # a read error has already closed it, and close() would raise over that error
            conn.close()
    assert row is not None and threads is not None
    _, version, read_only, max_connections, database, user = row
    return Stats(str(version), bool(read_only), int(max_connections), int(threads[1]), database, str(user))


def _record(run: ProbeRun, stats: Stats) -> None:
    run.fact(facts.SERVER_VERSION, stats.version)
    run.fact(facts.READ_ONLY, stats.read_only)
    run.fact(facts.CONNECTIONS_IN_USE, stats.in_use)
    run.fact(facts.MAX_CONNECTIONS, stats.max_connections)
    run.fact(facts.RESERVED_CONNECTIONS, 0)
    run.fact(facts.HEADROOM, stats.headroom)
    run.fact(facts.DATABASE, stats.database)
    run.fact(facts.USER, stats.user)


def _judge(cfg: MysqlCheck, run: ProbeRun, stats: Stats) -> None:
    threshold = min_headroom(cfg.min_headroom, stats.max_connections)
    if stats.headroom < threshold:
        run.warn(
            f"only {stats.headroom} of {stats.max_connections} connections free ({stats.in_use} in use; "
            f"warn below {threshold})",
            Cause.DB_CONNECTION_LIMIT,
        )
    judge_role(
        run,
        cfg.role,
        is_replica=stats.read_only,
        replica="read_only (a replica, or set read-only)",
        primary="writable (read_only is off)",
        rule="mysql:read_only",
    )


def _prepare(cfg: MysqlCheck, net: Net) -> None:
    import pymysql  # noqa: F401  (loaded before the clocks start, not inside a connect phase)


SPEC = ProbeSpec(
    "mysql",
    MysqlCheck,
    probe,
    Component.MYSQL,
    "MySQL / MariaDB: connect, auth, SELECT 1, read_only, connections vs max_connections",
    prepare=_prepare,
)
