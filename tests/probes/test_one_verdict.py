"""One verdict per failure: every probe, and `classify`, name the same real fault the same way."""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from infraprobe.classifier import classify
from infraprobe.config.model import ComponentBase
from infraprobe.configfile import load_config
from infraprobe.probes.http import HttpCheck
from infraprobe.probes.postgres import PostgresCheck
from infraprobe.probes.redis import RedisCheck
from infraprobe.probes.tcp import TcpCheck
from infraprobe.result import Status
from infraprobe.runner import check_config
from infraprobe.taxonomy import Cause
from infraprobe.testing.httpservers import HttpServer, Reply, Request
from infraprobe.testing.netfaults import silent_server
from infraprobe.testing.netns import NetnsUnavailable, UnreachableRouter
from infraprobe.testing.postgres import PostgresServer
from infraprobe.testing.redis import RedisServer

from .conftest import Check, cause, phase_names

POOL_PAGE = (
    "Internal Server Error\n\n"
    "Traceback (most recent call last):\n"
    '  File "/app/venv/lib/python3.11/site-packages/sqlalchemy/pool/impl.py", line 168, in _do_get\n'
    "    raise exc.TimeoutError(\n"
    "sqlalchemy.exc.TimeoutError: QueuePool limit of size 10 overflow 15 reached, connection timed out, "
    "timeout 30.00 (Background on this error at: https://sqlalche.me/e/20/3o7r)\n"
)


async def _pool_page(request: Request) -> Reply:
    return Reply(500, POOL_PAGE.encode(), [("content-type", "text/plain")])


async def test_a_500_page_is_classified_as_classify_reads_it(check: Check) -> None:
    """A 500 whose traceback ends in QueuePool exhaustion is pool_exhausted from check and from classify."""
    async with HttpServer(_pool_page) as app:
        result = await check(HttpCheck(name="api", url=app.url("/orders")))
    assert cause(result) is Cause.POOL_EXHAUSTED
    assert cause(result) is classify(POOL_PAGE).cause
    assert result.diagnosis is not None
    assert "QueuePool limit of size 10 overflow 15 reached" in result.diagnosis.evidence


async def _debug_page(request: Request) -> Reply:
    """A framework's debug page: 80 KiB of markup, then the traceback, at the end of the body."""
    page = (
        "<html><body>" + "<div class='frame'>local variables</div>\n" * 2000 + "<pre>" + POOL_PAGE + "</pre>"
    )
    return Reply(500, page.encode(), [("content-type", "text/html")])


async def test_a_traceback_at_the_end_of_a_long_page_is_still_read(check: Check) -> None:
    """Wherever the traceback sits: past the first 64 KiB, at the page's end, check still agrees with classify."""
    async with HttpServer(_debug_page) as app:
        result = await check(HttpCheck(name="api", url=app.url("/orders")))
    page = (await _debug_page(Request("GET", "/", {}, b""))).body.decode()
    assert len(page) > 80_000
    assert cause(result) is classify(page).cause is Cause.POOL_EXHAUSTED
    assert result.diagnosis is not None and "QueuePool limit" in result.diagnosis.evidence


@pytest.mark.needs_pg
async def test_postgres_peer_that_never_answers_start_up_is_read_timeout(check: Check) -> None:
    """TCP accepted, start-up packet never answered: the connect succeeded, the wait is a read timeout."""
    async with silent_server() as server:
        result = await check(PostgresCheck(name="db", host="127.0.0.1", port=server.port, timeout=0.5))
    assert cause(result) is Cause.READ_TIMEOUT
    assert phase_names(result) == ["dns", "connect", "handshake"]


@pytest.fixture(scope="module")
def router() -> Iterator[UnreachableRouter]:
    try:
        with UnreachableRouter() as started:
            yield started
    except NetnsUnavailable as exc:
        pytest.skip(str(exc))


def test_the_router_answers_every_first_syn(router: UnreachableRouter) -> None:
    """Each connect fails with ENETUNREACH before its SYN is sent again (1 s): the ICMP is never held back,
    so a probe run after many others still reads network_unreachable, not connect_timeout."""
    for port in range(5000, 5012):
        with socket.socket() as sock:
            sock.settimeout(0.9)
            with pytest.raises(OSError) as failed:
                sock.connect((router.target, port))
        assert failed.value.errno == errno.ENETUNREACH, (port, failed.value)


def _towards(host: str) -> list[ComponentBase]:
    return [
        TcpCheck(name="tcp", host=host, port=5432, timeout=2),
        HttpCheck(name="http", url=f"http://{host}:8080/", timeout=2),
        RedisCheck(name="redis", host=host, port=6379, timeout=2),
        PostgresCheck(name="postgres", host=host, port=5432, user="app", timeout=2),
    ]


@pytest.mark.needs_pg
@pytest.mark.parametrize("component", _towards("198.51.100.1"), ids=lambda c: c.name)
async def test_every_probe_calls_an_icmp_net_unreachable_the_same(
    router: UnreachableRouter, check: Check, component: ComponentBase
) -> None:
    """A router answering the SYN with ICMP net unreachable: network_unreachable in connect, for each probe."""
    aimed = component.model_copy(update=_target_fields(component, router.target))
    result = await check(aimed)
    assert cause(result) is Cause.NETWORK_UNREACHABLE, result.message
    assert phase_names(result)[-1] == "connect"


def _target_fields(component: ComponentBase, host: str) -> dict[str, object]:
    if isinstance(component, HttpCheck):
        return {"url": f"http://{host}:8080/"}
    return {"host": host}


@pytest.mark.needs_pg
async def test_replica_and_standby_share_one_default(
    redis_replica: RedisServer, pg_standby: PostgresServer, check: Check
) -> None:
    """With no role configured both expect a primary: a Redis replica warns read_only like a PG standby."""
    replica = await check(RedisCheck(name="cache", url=redis_replica.url()))
    standby = await check(PostgresCheck(name="db", dsn=pg_standby.dsn()))
    assert (replica.status, cause(replica)) == (Status.WARN, Cause.READ_ONLY)
    assert (standby.status, cause(standby)) == (Status.WARN, Cause.READ_ONLY)
    accepted = await check(RedisCheck(name="cache", url=redis_replica.url(), role="any"))
    assert cause(accepted) is None


async def test_a_path_is_shown_not_probed_and_not_counted(tmp_path: Path) -> None:
    """A `path` component has no endpoint: it is listed as not probed, never as an ok result."""
    config = tmp_path / "env.yaml"
    config.write_text(
        "environment: t\ncomponents:\n"
        "  - {name: vpc, kind: path}\n"
        "  - {name: db, kind: tcp, host: 127.0.0.1, port: 1, depends_on: [vpc]}\n"
    )
    report = await check_config(load_config(config).config)
    assert [r.component for r in report.results] == ["db"]
    assert report.not_probed == ("vpc",)
    assert report.to_dict()["counts"] == {"ok": 0, "warn": 0, "fail": 1}
