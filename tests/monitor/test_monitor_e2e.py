"""The monitor against real servers: a dependency stopped and restarted, blocking, and reload."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from infraprobe.configfile import load_config, parse_config
from infraprobe.monitor.engine import Monitor, watch_config
from infraprobe.monitor.history import summarize
from infraprobe.monitor.recorder import Recorder
from infraprobe.monitor.state import State
from infraprobe.monitor.store import open_store
from infraprobe.output.views.history import history_report
from infraprobe.testing._localserver import free_port
from infraprobe.testing.redis import RedisServer

from .helpers import T0

pytestmark = pytest.mark.needs_redis


def config_text(port: int, interval: str = "0.1s") -> str:
    common = f"interval: {interval}, timeout: 0.5s, failure_threshold: 2, success_threshold: 2"
    return (
        "environment: e2e\ncomponents:\n"
        f"  - {{name: cache, kind: redis, url: 'redis://127.0.0.1:{port}/0', {common}}}\n"
        f"  - {{name: backend, kind: tcp, host: 127.0.0.1, port: {port}, depends_on: [cache], {common}}}\n"
    )


async def until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_dependency_down_then_back_gives_one_incident_with_cause_and_duration(
    redis: RedisServer, tmp_path: Path
) -> None:
    path = tmp_path / "env.yaml"
    path.write_text(config_text(redis.port))
    store = open_store(f"sqlite:///{tmp_path}/h.db")
    recorder = Recorder(store, flush_every=0.1)
    recorder.start()
    monitor = Monitor(load_config(path), recorder=recorder, vantage="test")
    stop = asyncio.Event()
    task = asyncio.create_task(monitor.run(stop))
    cache, backend = monitor.trackers["cache"], monitor.trackers["backend"]
    await until(lambda: cache.state is State.UP and backend.state is State.UP)
    redis.stop()
    t_stop = datetime.now(UTC)
    await until(lambda: cache.state is State.DOWN and backend.state is State.DOWN)
    await asyncio.sleep(0.3)
    redis.restart()
    await until(lambda: cache.state is State.UP and backend.state is State.UP)
    stop.set()
    await task
    recorder.close()

    reader = open_store(f"sqlite:///{tmp_path}/h.db")
    changes = [(t.component, t.before, t.after) for t in reader.transitions(t_stop - timedelta(hours=1))]
    assert (
        changes.count(("cache", State.UP, State.DOWN)) == 1
        and changes.count(("cache", State.DOWN, State.UP)) == 1
    )
    history = summarize(reader, datetime.now(UTC))
    by_component = {i.component: i for i in history.incidents}
    assert len(history.incidents) == 2
    cache_incident = by_component["cache"]
    assert cache_incident.cause == "connection_refused" and cache_incident.layer == "infrastructure"
    assert cache_incident.end is not None and timedelta(seconds=0.3) < cache_incident.duration(
        history.now
    ) < timedelta(seconds=10)
    assert by_component["backend"].blocked_by == "cache"
    cases = {c.name: (c.status, c.group) for c in history_report(history).cases}
    assert cases == {"backend": ("ok", "monitor"), "cache": ("ok", "monitor")}
    hour = {s.component: s for s in history.stats if s.window == "1h"}
    assert hour["cache"].total == len(reader.results(t_stop - timedelta(hours=1), components=["cache"]))
    assert 0 < hour["cache"].uptime < 1 and hour["backend"].blocked >= 2  # type: ignore[operator]
    reader.close()


async def test_changed_file_reloads_and_keeps_the_state_of_unchanged_components(
    redis: RedisServer, tmp_path: Path
) -> None:
    path = tmp_path / "env.yaml"
    path.write_text(config_text(redis.port))
    monitor = Monitor(load_config(path), vantage="test")
    notices: list[str] = []
    monitor.notice = notices.append  # type: ignore[method-assign]
    stop, sighup = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(monitor.run(stop))
    watcher = asyncio.create_task(watch_config(monitor, path, sighup, poll=0.05))
    await until(lambda: monitor.trackers["cache"].state is State.UP)
    cache = monitor.trackers["cache"]
    path.write_text(
        config_text(redis.port).replace("name: backend, kind: tcp", "name: backend2, kind: tcp") + "\n"
    )
    await until(lambda: "backend2" in monitor.trackers)
    assert (
        monitor.trackers["cache"] is cache and cache.state is State.UP and "backend" not in monitor.trackers
    )
    path.write_text("components: [{name: x, kind: nope}]\n")
    sighup.set()
    await until(lambda: any("not reloaded" in n for n in notices))
    assert "env.yaml" in notices[-1] and "backend2" in monitor.trackers
    stop.set()
    watcher.cancel()
    await asyncio.gather(task, watcher, return_exceptions=True)


class Flapping:
    """A real listener that opens and closes every `period` seconds on one port: refused, accepted, refused..."""

    def __init__(self, port: int, period: float) -> None:
        self.port, self.period = port, period
        self.server: asyncio.Server | None = None

    async def run(self) -> None:
        for _ in range(400):  # bounded: stopped by cancellation long before
            if self.server is None:
                self.server = await asyncio.start_server(self._drop, "127.0.0.1", self.port)
            else:
                self.server.close()
                await self.server.wait_closed()
                self.server = None
            await asyncio.sleep(self.period)

    @staticmethod
    async def _drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()


def longest_run(statuses: list[str], wanted: str) -> int:
    best = run = 0
    for s in statuses:
        run = run + 1 if s == wanted else 0
        best = max(best, run)
    return best


async def test_flapping_below_the_threshold_changes_no_state(tmp_path: Path) -> None:
    port = free_port()
    flapper = Flapping(port, 0.15)
    flapping = asyncio.create_task(flapper.run())
    common = "interval: 0.1s, timeout: 0.5s, failure_threshold: 3, success_threshold: 1"
    loaded = parse_config(
        f"components:\n  - {{name: flaky, kind: tcp, host: 127.0.0.1, port: {port}, {common}}}\n"
    )
    recorder = Recorder(open_store(f"sqlite:///{tmp_path}/h.db"), flush_every=0.1)
    recorder.start()
    monitor = Monitor(loaded, recorder=recorder, vantage="test")
    stop = asyncio.Event()
    task = asyncio.create_task(monitor.run(stop))
    await until(lambda: monitor.results >= 30, timeout=20)
    stop.set()
    flapping.cancel()
    await asyncio.gather(task, flapping, return_exceptions=True)
    recorder.close()
    reader = open_store(f"sqlite:///{tmp_path}/h.db")
    statuses = [r.status for r in reader.results(T0)]
    downs = [t for t in reader.transitions(T0) if t.after is State.DOWN]
    reader.close()
    assert "fail" in statuses and "ok" in statuses  # it really flapped
    # The state machine's promise, checked against what the real target did: down iff 3 failures in a row.
    assert bool(downs) == (longest_run(statuses, "fail") >= 3)
