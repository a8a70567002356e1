"""The redis probe against real redis-server processes: healthy facts and timings, and each fault classified."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import AsyncExitStack, ExitStack, contextmanager
from pathlib import Path

import pytest

from infraprobe.probes.redis import RedisCheck
from infraprobe.probes.wire.resp import RedisReplyError
from infraprobe.result import Status
from infraprobe.taxonomy import Cause, Layer
from infraprobe.testing.redis import RedisServer
from tests.conftest import started

from .conftest import REDIS_PASSWORD, WRONG_PASSWORD, Check, cause, phase_names

pytestmark = pytest.mark.needs_redis


def cfg(**fields: object) -> RedisCheck:
    return RedisCheck.model_validate({"name": "cache", **fields})


@contextmanager
def clients(server: RedisServer, count: int) -> Iterator[None]:
    """Hold `count` client connections, each accepted and authenticated by the server."""
    with ExitStack() as stack:
        for _ in range(count):
            stack.enter_context(server.held_client())
        yield


def fill(server: RedisServer, kilobytes: int) -> None:
    """Write `kilobytes` keys of 1 KiB each, stopping at the first error reply (raised)."""
    for i in range(kilobytes):
        server.command("SET", f"fill:{i}", "x" * 1024)


async def test_healthy_reports_facts_and_phases(redis: RedisServer, check: Check) -> None:
    """A healthy server passes with role, clients, maxclients and memory facts, in dns/connect/query phases."""
    result = await check(cfg(url=redis.url()))
    assert result.status is Status.OK, result.message
    assert phase_names(result) == ["dns", "connect", "query"]
    facts = result.facts
    assert facts["role"] == "master"
    assert isinstance(facts["connected_clients"], int)
    assert facts["connected_clients"] >= 1
    assert facts["maxclients"] == 10000
    assert isinstance(facts["used_memory"], int)
    assert facts["used_memory"] > 0
    assert (facts["maxmemory"], facts["maxmemory_policy"], facts["loading"]) == (0, "noeviction", False)
    assert str(facts["redis_version"]).count(".") == 2


async def test_auth_with_host_fields_adds_auth_phase(redis_auth: RedisServer, check: Check) -> None:
    """host/port/password fields authenticate, timed in their own auth phase."""
    result = await check(cfg(host=redis_auth.host, port=redis_auth.port, password=REDIS_PASSWORD))
    assert result.status is Status.OK, result.message
    assert phase_names(result) == ["dns", "connect", "auth", "query"]


async def test_acl_user(redis_auth: RedisServer, check: Check) -> None:
    """An ACL user (AUTH username password) from the url authenticates; a wrong one is WRONGPASS."""
    redis_auth.command("ACL", "SETUSER", "prober", "on", f">{REDIS_PASSWORD}", "+@all", "~*")
    url = f"redis://prober:{REDIS_PASSWORD}@{redis_auth.host}:{redis_auth.port}/0"
    assert (await check(cfg(url=url))).status is Status.OK
    wrong = await check(cfg(url=url.replace("prober", "nobody")))
    assert wrong.message.startswith("WRONGPASS")
    assert cause(wrong) is Cause.AUTH_FAILED


async def test_no_password_is_auth_failed(redis_auth: RedisServer, check: Check) -> None:
    """A server with requirepass answers NOAUTH to a client without a password: auth_failed."""
    result = await check(cfg(host=redis_auth.host, port=redis_auth.port))
    assert result.message == "NOAUTH Authentication required."
    assert cause(result) is Cause.AUTH_FAILED


async def test_wrong_password_is_auth_failed(redis_auth: RedisServer, check: Check) -> None:
    """A wrong password gets WRONGPASS in the auth phase: auth_failed."""
    result = await check(cfg(url=redis_auth.url(password=WRONG_PASSWORD)))
    assert result.message.startswith("WRONGPASS")
    assert phase_names(result)[-1] == "auth"
    assert cause(result) is Cause.AUTH_FAILED


async def test_near_maxclients_warns(redis_auth: RedisServer, check: Check) -> None:
    """2 of 3 client slots held plus the probe's own: a db_connection_limit warning."""
    with clients(redis_auth, 2):
        result = await check(cfg(url=redis_auth.url()))
    assert result.status is Status.WARN, result.message
    assert result.facts["maxclients"] == 3
    assert cause(result) is Cause.DB_CONNECTION_LIMIT


async def test_maxclients_reached_is_connection_limit(redis_auth: RedisServer, check: Check) -> None:
    """With every client slot held, the server answers 'max number of clients reached': db_connection_limit."""
    with clients(redis_auth, 3):
        result = await check(cfg(url=redis_auth.url()))
    assert result.message == "ERR max number of clients reached"
    assert cause(result) is Cause.DB_CONNECTION_LIMIT


async def test_maxclients_reached_without_password(check: Check) -> None:
    """Refused before any AUTH: the error answers the pipelined PING, and the close after it is not a reset."""
    with RedisServer(maxclients=1) as server, clients(server, 1):
        result = await check(cfg(url=server.url()))
    assert result.message == "ERR max number of clients reached"
    assert phase_names(result)[-1] == "query"
    assert cause(result) is Cause.DB_CONNECTION_LIMIT


async def test_bad_db_index_is_resource_missing(redis: RedisServer, check: Check) -> None:
    """SELECT of a database beyond `databases` is resource_missing; a valid one is a fact."""
    result = await check(cfg(url=redis.url(db=99)))
    assert result.message == "ERR DB index is out of range"
    assert cause(result) is Cause.RESOURCE_MISSING
    good = await check(cfg(host=redis.host, port=redis.port, db=3))
    assert good.status is Status.OK
    assert good.facts["db"] == 3


async def test_replica_write_check_is_read_only(redis_replica: RedisServer, check: Check) -> None:
    """write_check on a replica gets READONLY from the server: read_only."""
    result = await check(cfg(url=redis_replica.url(), write_check=True))
    assert result.message.startswith("READONLY")
    assert cause(result) is Cause.READ_ONLY
    assert result.facts["role"] == "replica"


@pytest.mark.parametrize(
    ("role", "on_replica", "on_master"),
    [
        ("primary", (Status.WARN, Cause.READ_ONLY), (Status.OK, None)),
        # The replica's link to its (absent) master is down: a warning of its own, with no cause.
        ("replica", (Status.WARN, None), (Status.FAIL, Cause.UNKNOWN)),
        ("any", (Status.WARN, None), (Status.OK, None)),
    ],
)
async def test_role_against_a_replica_and_a_master(
    redis_replica: RedisServer,
    redis: RedisServer,
    check: Check,
    role: str,
    on_replica: tuple[Status, Cause | None],
    on_master: tuple[Status, Cause | None],
) -> None:
    """`role`, the same option and values as postgres and mysql have."""
    replica = await check(cfg(url=redis_replica.url(), role=role))
    master = await check(cfg(url=redis.url(), role=role))
    assert (replica.status, cause(replica)) == on_replica, replica.message
    assert (master.status, cause(master)) == on_master, master.message


@pytest.mark.parametrize(("old", "new"), [("master", "primary"), ("replica", "replica"), ("any", "any")])
async def test_deprecated_expect_role_is_role(
    redis_replica: RedisServer, check: Check, old: str, new: str
) -> None:
    """expect_role, the old name: each value is judged as the role it stands for (master is primary)."""
    aliased = await check(cfg(url=redis_replica.url(), expect_role=old))
    current = await check(cfg(url=redis_replica.url(), role=new))
    assert (aliased.status, cause(aliased), aliased.message) == (
        current.status,
        cause(current),
        current.message,
    )
    assert aliased.facts["master_link_status"] == "down"


async def test_replica_with_link_down_warns(redis_replica: RedisServer, check: Check) -> None:
    """A replica whose master link is down, with no role expectation, still warns: its data may be stale."""
    result = await check(cfg(url=redis_replica.url()))
    assert result.status is Status.WARN
    assert "link to its master is down" in result.message


async def test_master_when_replica_expected_fails(redis: RedisServer, check: Check) -> None:
    """role: replica on a master fails as a configuration problem."""
    result = await check(cfg(url=redis.url(), role="replica"))
    assert result.status is Status.FAIL
    assert result.diagnosis is not None
    assert result.diagnosis.layer is Layer.CONFIGURATION
    assert result.diagnosis.evidence == "server is a master (role: replica expected)"


async def test_maxmemory_reached_is_out_of_memory(check: Check) -> None:
    """Filled past maxmemory with noeviction: INFO alone fails out_of_memory, and write_check gets OOM."""
    with RedisServer(maxmemory="2mb", maxmemory_policy="noeviction") as server:
        assert (await check(cfg(url=server.url()))).status is Status.OK
        with pytest.raises(RedisReplyError, match=r"^OOM"):
            fill(server, 10_000)
        # Filling stops a few bytes over the limit, where a reply buffer freed decides the next write;
        # lowering the limit (as an operator might) leaves no doubt.
        server.command("CONFIG", "SET", "maxmemory", "1mb")
        full = await check(cfg(url=server.url()))
        write = await check(cfg(url=server.url(), write_check=True, max_memory_ratio=1))
    assert "used_memory" in full.message
    assert cause(full) is Cause.OUT_OF_MEMORY
    assert write.message.startswith("OOM command not allowed")
    assert cause(write) is Cause.OUT_OF_MEMORY


async def test_near_maxmemory_warns(check: Check) -> None:
    """used_memory past 90% of maxmemory with noeviction is an out_of_memory warning."""
    with RedisServer(maxmemory="2mb", maxmemory_policy="noeviction") as server:
        fill(server, 800)
        result = await check(cfg(url=server.url()))
    assert result.status is Status.WARN, result.message
    assert cause(result) is Cause.OUT_OF_MEMORY


async def test_loading_is_service_starting(check: Check) -> None:
    """A server still loading its RDB (restarted with key-load-delay) answers LOADING: service_starting."""
    with RedisServer(args=("--enable-debug-command", "yes")) as server:
        server.command("DEBUG", "POPULATE", "2000")
        server.command("SAVE")
        # 2000 keys x 500 us is about a second of loading; events are served every 1 KiB read meanwhile.
        slow = ("--key-load-delay", "500", "--loading-process-events-interval-bytes", "1024")
        server.restart(*slow, wait_loaded=False)
        result = await check(cfg(url=server.url()))
    assert result.message.startswith("LOADING")
    assert cause(result) is Cause.SERVICE_STARTING


async def test_stopped_server_is_connection_refused(check: Check) -> None:
    """A server that ran and was stopped refuses connections: connection_refused, in the connect phase."""
    with RedisServer() as server:
        assert (await check(cfg(url=server.url()))).status is Status.OK
        server.stop()
        result = await check(cfg(url=server.url()))
    assert phase_names(result)[-1] == "connect"
    assert cause(result) is Cause.CONNECTION_REFUSED


async def test_tls_with_ca_file(check: Check) -> None:
    """rediss:// with the server's CA passes with a tls phase; `tls: true` on host fields does the same."""
    with RedisServer(tls=True) as server:
        result = await check(cfg(url=server.url(), ca_file=str(server.ca_file)))
        fields = await check(cfg(host=server.host, port=server.port, tls=True, ca_file=str(server.ca_file)))
        untrusted = await check(cfg(url=server.url()))
    assert result.status is Status.OK, result.message
    assert phase_names(result) == ["dns", "connect", "tls", "query"]
    assert fields.status is Status.OK, fields.message
    assert phase_names(untrusted)[-1] == "tls"
    assert cause(untrusted) is Cause.TLS_UNTRUSTED_CERTIFICATE


async def test_maxclients_from_config_get_when_info_lacks_it(check: Check) -> None:
    """Servers before Redis 7 have no maxclients in INFO: the probe falls back to CONFIG GET maxclients."""

    async def old_redis(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        info = b"# Server\r\nredis_version:6.0.0\r\n# Clients\r\nconnected_clients:1\r\nrole:master\r\n"
        replies = {
            b"PING": b"+PONG\r\n",
            b"INFO": b"$%d\r\n%s\r\n" % (len(info), info),
            b"CONFIG": b"*2\r\n$10\r\nmaxclients\r\n$3\r\n128\r\n",
        }
        while line := await reader.readline():
            if line.startswith(b"$") and (name := (await reader.readline()).strip()) in replies:
                writer.write(replies[name])
        writer.close()

    server = await asyncio.start_server(old_redis, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        result = await check(cfg(host="127.0.0.1", port=port))
    assert result.status is Status.OK, result.message
    assert result.facts["maxclients"] == 128


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "exactly one of `url` or `host`"),
        ({"url": "redis://h", "host": "h"}, "exactly one of `url` or `host`"),
        ({"url": "http://h:6379"}, "url must look like"),
        ({"url": "redis://h:6379/zero"}, "database number"),
        ({"url": "redis://h:99999/0"}, "port"),
    ],
)
def test_invalid_config_is_rejected(fields: dict[str, object], message: str) -> None:
    """Each config mistake is a validation error that says what a valid value looks like."""
    with pytest.raises(ValueError, match=message):
        cfg(**fields)


def test_url_fields_merge() -> None:
    """The url names host, port, db, user, password and TLS; separate fields fill what it leaves out."""
    check = cfg(url="rediss://app:p%40ss@cache.internal:6380/2")
    assert check.target() == "rediss://cache.internal:6380/2"
    assert cfg(url="redis://cache.internal", db=4, password="pw").target() == "redis://cache.internal:6379/4"


# The healthy run tests/core/test_vocabulary.py makes of this kind (every phase and fact it emits is declared).
async def vocabulary_scenario(stack: AsyncExitStack, tmp: Path) -> RedisCheck:
    server = stack.enter_context(started(RedisServer()))
    return RedisCheck(name="c", url=server.url())


# This kind's places for a secret in tests/core/test_secrets.py's canary config (its placeholders are listed there).
SECRET_CANARIES = """
  - {{name: redis-url, kind: redis, url: "redis://:${{PW}}@127.0.0.1:{closed}/0"}}
  - {{name: redis-field, kind: redis, host: 127.0.0.1, port: {closed}, password: "{literal}"}}
"""
