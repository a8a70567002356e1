"""The RabbitMQ launcher: a node of its own on free loopback ports, beside any node the machine runs."""

from __future__ import annotations

import pytest

from infraprobe.testing.rabbitmq import ServerStartError
from tests.servers import RABBITMQ_PASSWORD, rabbitmq


def test_node_is_its_own_on_loopback() -> None:
    """Its own node name, AMQP port (not 5672) and epmd (not 4369); the account's vhost exists."""
    mq = rabbitmq()
    assert mq.node.startswith("ipt-") and mq.port != 5672
    env = mq._env()
    assert env["ERL_EPMD_PORT"] != "4369" and env["RABBITMQ_NODE_IP_ADDRESS"] == "127.0.0.1"
    assert mq.vhost in mq.ctl("list_vhosts", "name").split()
    assert mq.url() == f"amqp://probe:{RABBITMQ_PASSWORD}@127.0.0.1:{mq.port}/probe"


def test_ctl_failure_is_a_clear_error() -> None:
    """A rabbitmqctl command that fails raises with its own message, not a bare exit code."""
    with pytest.raises(ServerStartError, match="rabbitmqctl no_such_command failed"):
        rabbitmq().ctl("no_such_command")
