"""One slow name never starves the others; a saturated resolver pool is the prober's, not DNS failure."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

import pytest

from infraprobe.net import Net, ResolverBusy, SystemResolver
from infraprobe.probes.tcp import TcpCheck
from infraprobe.runner import Runner
from infraprobe.taxonomy import Component

HANG = 10.0  # the longest a "slow" lookup blocks its thread; every test releases it far sooner


class SlowNames:
    """getaddrinfo where names starting with "slow" block until released; others answer loopback at once."""

    def __init__(self) -> None:
        self.release, self.calls = threading.Event(), list[str]()

    def __call__(
        self, host: str, port: int, family: int = 0, kind: int = 0, *rest: Any
    ) -> list[tuple[Any, ...]]:
        self.calls.append(host)
        if host.startswith("slow"):
            self.release.wait(HANG)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]


@pytest.fixture
def names() -> Any:
    stub = SlowNames()
    yield stub
    stub.release.set()


async def test_one_slow_name_shares_one_thread(names: SlowNames) -> None:
    """50 checks of one slow name take one thread: a healthy name still resolves at once."""
    resolver = SystemResolver(8, getaddrinfo=names)
    slow = [asyncio.ensure_future(resolver.resolve("slow.test", 80)) for _ in range(50)]
    await asyncio.sleep(0.05)
    start = time.monotonic()
    fast = await asyncio.wait_for(resolver.resolve("localhost.test", 80), 2)
    assert fast == [(socket.AF_INET, ("127.0.0.1", 80))]
    assert time.monotonic() - start < 1.0
    assert names.calls.count("slow.test") == 1
    names.release.set()
    assert len(await asyncio.gather(*slow)) == 50
    resolver.close()


async def test_saturated_pool_is_reported_as_the_probers(names: SlowNames) -> None:
    """Eight different slow names fill eight threads: the ninth name's check is the prober's failure, named
    as such, never dns_failure on a healthy target."""
    resolver = SystemResolver(8, getaddrinfo=names, queue_wait=0.3)
    slow = [asyncio.ensure_future(resolver.resolve(f"slow{i}.test", 80)) for i in range(8)]
    await asyncio.sleep(0.05)
    with pytest.raises(ResolverBusy):
        await resolver.resolve("healthy.test", 80)
    runner = Runner(net=Net(resolver))
    result = await runner.check(TcpCheck(name="db", host="healthy.test", port=1, timeout=2))
    assert result.diagnosis is not None
    assert result.diagnosis.rule == "prober_resources" and result.diagnosis.component is Component.OTHER
    assert "resolver" in result.diagnosis.summary
    names.release.set()
    await asyncio.gather(*slow)
    resolver.close()


async def test_a_lookup_nobody_waits_for_never_runs(names: SlowNames) -> None:
    """Checks that gave up while their lookup waited for a thread leave no lookup behind."""
    resolver = SystemResolver(1, getaddrinfo=names, queue_wait=5)
    blocker = asyncio.ensure_future(resolver.resolve("slow.test", 80))
    await asyncio.sleep(0.05)
    for i in range(20):
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(resolver.resolve(f"queued{i}.test", 80), 0.02)
    names.release.set()
    await blocker
    await asyncio.sleep(0.1)
    assert names.calls == ["slow.test"]
    resolver.close()
