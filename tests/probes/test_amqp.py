"""amqp probe against a real RabbitMQ node on loopback: the fault matrix, phases and facts.

Every failure goes through the real Runner and so through the classifier. The node is shared
(tests/servers.py): a test that sets a limit or adds a vhost takes it away again.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from infraprobe.net import Net
from infraprobe.phases import Phase
from infraprobe.probes.amqp import AmqpCheck, _Session, resolve_target
from infraprobe.probes.base import ProbeRun
from infraprobe.result import Status
from infraprobe.taxonomy import Cause, Component, Layer
from infraprobe.testing.httpservers import DemoApp, HttpServer
from infraprobe.testing.netfaults import ClosedPort, banner_server
from infraprobe.testing.rabbitmq import RabbitMQServer
from tests.servers import RABBITMQ_PASSWORD, mariadb, rabbitmq

from .conftest import Check, leaks, phase_names, verdict

WRONG_PASSWORD = "canary-wrong-mq-J2d8w4"


@pytest.fixture
def mq() -> RabbitMQServer:
    return rabbitmq()


@contextmanager
def vhost_limit(mq: RabbitMQServer, connections: int) -> Iterator[None]:
    mq.ctl("set_vhost_limits", "-p", mq.vhost, json.dumps({"max-connections": connections}))
    try:
        yield
    finally:
        mq.ctl("clear_vhost_limits", "-p", mq.vhost)


@asynccontextmanager
async def held_connection(mq: RabbitMQServer) -> AsyncIterator[None]:
    """A real AMQP connection, opened the way the probe opens one, held open until the block ends."""
    reader, writer = await asyncio.open_connection("127.0.0.1", mq.port)
    session = _Session(reader, writer, ProbeRun(Component.AMQP, Net()))
    try:
        await session.handshake()
        tune: Any = await session.authenticate(mq.user, mq.password)
        await session.open(mq.vhost, tune)
        yield
    finally:
        writer.close()


async def test_healthy_broker_reports_phases_and_facts(mq: RabbitMQServer, check: Check) -> None:
    result = await check(AmqpCheck(name="mq", url=mq.url()))
    assert result.status is Status.OK, result.message
    assert phase_names(result) == [Phase.DNS, Phase.CONNECT, Phase.HANDSHAKE, Phase.AUTH, Phase.REQUEST]
    facts = result.facts
    assert (facts["product"], facts["vhost"], facts["peer"]) == ("RabbitMQ", "probe", f"127.0.0.1:{mq.port}")
    assert str(facts["server_version"])[0].isdigit() and str(facts["server_version"]) in result.message
    assert isinstance(facts["channel_max"], int) and int(facts["frame_max"]) >= 4096
    assert not leaks(result, RABBITMQ_PASSWORD, WRONG_PASSWORD)


async def test_separate_fields_reach_the_same_vhost(mq: RabbitMQServer, check: Check) -> None:
    cfg = AmqpCheck(
        name="mq", host="localhost", port=mq.port, user="probe", password=RABBITMQ_PASSWORD, vhost="probe"
    )
    result = await check(cfg)
    assert result.status is Status.OK, result.message
    assert cfg.target() == f"amqp://localhost:{mq.port}/probe"


async def test_wrong_password_is_auth_failed_in_auth(mq: RabbitMQServer, check: Check) -> None:
    result = await check(AmqpCheck(name="mq", url=mq.url(password=WRONG_PASSWORD)))
    assert verdict(result) == (Cause.AUTH_FAILED, Layer.CONFIGURATION, Component.AMQP, Phase.AUTH)
    assert "ACCESS_REFUSED" in result.message
    assert not leaks(result, RABBITMQ_PASSWORD, WRONG_PASSWORD)


async def test_missing_vhost_is_resource_missing_when_opening(mq: RabbitMQServer, check: Check) -> None:
    result = await check(AmqpCheck(name="mq", url=mq.url(vhost="nope")))
    assert verdict(result) == (Cause.RESOURCE_MISSING, Layer.CONFIGURATION, Component.AMQP, Phase.REQUEST)
    assert "vhost nope not found" in result.message


async def test_vhost_without_permission_is_auth_failed(mq: RabbitMQServer, check: Check) -> None:
    """The vhost exists, but the account has no permissions on it."""
    mq.ctl("add_vhost", "locked")
    try:
        result = await check(AmqpCheck(name="mq", url=mq.url(vhost="locked")))
    finally:
        mq.ctl("delete_vhost", "locked")
    assert verdict(result) == (Cause.AUTH_FAILED, Layer.CONFIGURATION, Component.AMQP, Phase.REQUEST)
    assert "access to vhost 'locked' refused" in result.message


async def test_closed_port_is_refused_in_connect(check: Check) -> None:
    with ClosedPort() as closed:
        result = await check(AmqpCheck(name="mq", host="127.0.0.1", port=closed.port))
    assert verdict(result) == (Cause.CONNECTION_REFUSED, Layer.INFRASTRUCTURE, Component.AMQP, Phase.CONNECT)


async def test_vhost_connection_limit_is_db_connection_limit(mq: RabbitMQServer, check: Check) -> None:
    """max-connections 1 on the vhost, one connection held: the broker refuses the probe's."""
    with vhost_limit(mq, 1):
        async with held_connection(mq):
            result = await check(AmqpCheck(name="mq", url=mq.url()))
    expected = (Cause.DB_CONNECTION_LIMIT, Layer.INFRASTRUCTURE, Component.AMQP, Phase.REQUEST)
    assert verdict(result) == expected
    assert "connection limit (1) is reached" in result.message


async def test_another_protocol_is_protocol_mismatch(check: Check) -> None:
    """A MySQL server greets first: its greeting is not an AMQP frame."""
    db = mariadb()
    result = await check(AmqpCheck(name="mq", host="127.0.0.1", port=db.port))
    expected = (Cause.PROTOCOL_MISMATCH, Layer.CONFIGURATION, Component.AMQP, Phase.HANDSHAKE)
    assert verdict(result) == expected
    assert "MariaDB" in result.message


@pytest.mark.parametrize(
    ("first_bytes", "evidence"),
    [
        (b"AMQP\x00\x01\x00\x00", "another AMQP version"),  # an AMQP 1.0 broker's reply to 0-9-1
        (b"HTTP/1.1 400 Bad Request\r\n\r\n", "HTTP/1.1 400"),
    ],
)
async def test_other_first_bytes_are_protocol_mismatch(
    check: Check, first_bytes: bytes, evidence: str
) -> None:
    async with banner_server(first_bytes) as server:
        result = await check(AmqpCheck(name="mq", host="127.0.0.1", port=server.port, timeout=3))
    expected = (Cause.PROTOCOL_MISMATCH, Layer.CONFIGURATION, Component.AMQP, Phase.HANDSHAKE)
    assert verdict(result) == expected
    assert evidence in result.message


async def test_silent_server_times_out_in_the_handshake(check: Check) -> None:
    """An HTTP server waits for a request line that the AMQP protocol header never completes."""
    async with HttpServer(DemoApp()) as server:
        result = await check(AmqpCheck(name="mq", host="127.0.0.1", port=server.port, timeout=0.5))
    assert verdict(result)[::3] == (Cause.READ_TIMEOUT, Phase.HANDSHAKE)


@pytest.mark.parametrize(
    ("url", "vhost"),
    [
        ("amqp://u:p@h", "/"),
        ("amqp://u:p@h/", "/"),
        ("amqp://u:p@h/%2F", "/"),
        ("amqp://u:p@h/orders", "orders"),
        ("amqp://u:p@h/a%2Fb", "a/b"),
    ],
)
def test_url_vhost_as_pika_and_aiormq_read_it(url: str, vhost: str) -> None:
    assert resolve_target(AmqpCheck(name="mq", url=url)).vhost == vhost


def test_url_without_credentials_falls_back_to_fields() -> None:
    t = resolve_target(AmqpCheck(name="mq", url="amqp://h:5673", user="app", password="pw", vhost="v"))
    assert (t.host, t.port, t.user, t.password, t.vhost) == ("h", 5673, "app", "pw", "v")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": "amqp://h", "host": "h"}, "exactly one of `url` or `host`"),
        ({}, "exactly one of `url` or `host`"),
        ({"url": "http://u@h/"}, "url must look like amqp://"),
        ({"url": "amqp://u:p@h:99999/"}, "port is not a number"),
    ],
)
def test_config_errors(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        AmqpCheck(name="mq", **fields)
    assert message in str(info.value)


# The healthy run tests/core/test_vocabulary.py makes of this kind (every phase and fact it emits is declared).
async def vocabulary_scenario(stack: AsyncExitStack, tmp: Path) -> AmqpCheck:
    return AmqpCheck(name="c", url=rabbitmq().url())


# This kind's places for a secret in tests/core/test_secrets.py's canary config (its placeholders are listed there).
SECRET_CANARIES = """
  - {{name: amqp-url, kind: amqp, url: "amqp://app:${{PW}}@127.0.0.1:{closed}/app"}}
  - {{name: amqp-field, kind: amqp, host: 127.0.0.1, port: {closed}, user: app, password: "{literal}"}}
"""
