"""Alerts from a real monitor: a real redis stopped and restarted, a dependent blocked by it, a monitor restarted
in the middle of the incident; the pages are counted on a real HTTP receiver."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from infraprobe.monitor.state import State
from infraprobe.testing.httpservers import HttpServer
from infraprobe.testing.redis import RedisServer
from tests.conftest import started

from .conftest import Run, Sink, until

pytestmark = pytest.mark.needs_redis


@pytest.fixture
def redis() -> RedisServer:
    server = started(RedisServer())
    yield server  # type: ignore[misc]
    server.close()


def config(redis_port: int, hook_url: str) -> str:
    common = "interval: 0.1s, timeout: 0.5s, failure_threshold: 2, success_threshold: 2"
    return f"""
components:
  - {{name: cache, kind: redis, url: 'redis://127.0.0.1:{redis_port}/0', {common}}}
  - {{name: backend, kind: tcp, host: 127.0.0.1, port: {redis_port}, depends_on: [cache], {common}}}
  - {{name: public-api, kind: tcp, host: 127.0.0.1, port: {redis_port}, depends_on: [backend], {common}}}
alerts:
  providers: {{hook: {{webhook: {{url: "{hook_url}"}}}}}}
  group_wait: 30s
"""


async def test_one_page_per_root_cause_and_one_recovery_across_a_monitor_restart(
    redis: RedisServer, tmp_path: Path
) -> None:
    hook = Sink()
    db = f"sqlite:///{tmp_path}/h.db"
    async with HttpServer(hook) as server:
        text = config(redis.port, server.url("/hook"))
        async with Run(text, db) as run:
            await until(lambda: all(run.state(c) is State.UP for c in ("cache", "backend", "public-api")))
            redis.stop()
            await until(lambda: len(hook.received) == 1)
            await until(lambda: run.state("backend") is State.DOWN and run.state("public-api") is State.DOWN)
        (page,) = hook.received
        assert page["summary"] == "cache down: connection_refused; blocked: backend, public-api"
        assert (page["layer"], page["vantage"]) == ("infrastructure", "e2e")

        # A new monitor while everything is still down: it knows the incident is open and pages nobody.
        async with Run(text, db) as run:
            await until(lambda: run.state("cache") is State.DOWN and run.state("public-api") is State.DOWN)
            await asyncio.sleep(0.3)  # further results while down: still no page
            assert len(hook.received) == 1
        # And one more, during which the dependency comes back: the recovery is sent, once.
        async with Run(text, db) as run:
            redis.restart()
            await until(lambda: len(hook.received) == 2)
            await until(lambda: all(run.state(c) is State.UP for c in ("cache", "backend", "public-api")))
            await asyncio.sleep(0.3)
    assert hook.events() == [("cache", "down"), ("cache", "recovery")]
    assert hook.received[1]["summary"].startswith("cache recovered (up) after ")
    assert hook.received[1]["id"] == page["id"]  # the same incident, as a receiver deduplicating needs


async def test_a_hanging_receiver_does_not_slow_probing(redis: RedisServer, tmp_path: Path) -> None:
    """While every delivery hangs until its timeout, results keep coming at the configured interval."""
    hook = Sink(hang=True)
    async with HttpServer(hook) as server:
        text = config(redis.port, server.url("/hook")) + "  timeout: 2s\n"
        async with Run(text, f"sqlite:///{tmp_path}/h.db") as run:
            await until(lambda: run.state("cache") is State.UP)
            redis.stop()
            await until(lambda: len(hook.requests) == 1)
            before = run.monitor.results
            await asyncio.sleep(1.0)
            during = run.monitor.results - before
            redis.restart()
    # 3 components every 0.1 s: about 30 results in that second (fewer on a loaded machine); a loop
    # blocked by the hook (2 s timeout) would give none.
    assert during >= 8, f"only {during} results while the alert receiver hung"


async def test_two_monitors_sharing_a_store_page_once_per_change(redis: RedisServer, tmp_path: Path) -> None:
    """Two vantages see the same outage and decide the same pages: the ledger lets exactly one go out."""
    hook = Sink()
    db = f"sqlite:///{tmp_path}/h.db"
    async with HttpServer(hook) as server:
        text = config(redis.port, server.url("/hook"))
        async with Run(text, db, "east") as east, Run(text, db, "west") as west:
            runs = (east, west)
            await until(lambda: all(r.state("cache") is State.UP for r in runs))
            redis.stop()
            await until(lambda: all(r.state("cache") is State.DOWN for r in runs) and len(hook.received) >= 1)
            redis.restart()
            await until(lambda: all(r.state("cache") is State.UP for r in runs) and len(hook.received) >= 2)
            await asyncio.sleep(0.5)  # both monitors' dispatchers had time to send a duplicate, if any
    assert hook.events() == [("cache", "down"), ("cache", "recovery")]
