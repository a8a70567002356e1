"""Net.connect_socket's own connect: what loop.sock_connect does for an IP address, errors word for word."""

from __future__ import annotations

import asyncio
import socket

import pytest

from infraprobe.net import Net
from infraprobe.testing.netfaults import ClosedPort, silent_server


async def _asyncio_error(port: int) -> OSError:
    with socket.socket() as sock:
        sock.setblocking(False)
        with pytest.raises(OSError) as caught:
            await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    return caught.value


async def test_a_refused_connect_fails_as_sock_connect_does() -> None:
    """Same exception type, errno and message as asyncio's: the classifier and the evidence do not change."""
    net = Net()
    with ClosedPort() as closed:
        expected = await _asyncio_error(closed.port)
        with pytest.raises(OSError) as caught:
            await net.connect_socket([(socket.AF_INET, ("127.0.0.1", closed.port))])
    assert (type(caught.value), caught.value.errno, str(caught.value)) == (
        type(expected), expected.errno, str(expected)
    )  # fmt: skip


async def test_a_connect_returns_the_socket_and_the_address_that_accepted() -> None:
    """The first address refuses, the second accepts: its socket is connected to it, the first one closed."""
    net = Net()
    with ClosedPort() as closed:
        async with silent_server() as server:
            addresses = [
                (socket.AF_INET, ("127.0.0.1", closed.port)),
                (socket.AF_INET, ("127.0.0.1", server.port)),
            ]
            sock, peer = await net.connect_socket(addresses)
            with sock:
                assert peer == addresses[1] and sock.getpeername() == ("127.0.0.1", server.port)
