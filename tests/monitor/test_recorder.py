"""Durability while the store comes and goes: PostgreSQL stopped mid-run, and the in-memory bound."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import timedelta

import pytest

from infraprobe.configfile import parse_config
from infraprobe.monitor.engine import Monitor
from infraprobe.monitor.recorder import Recorder
from infraprobe.monitor.state import Observation, Transition
from infraprobe.monitor.store import StoreUnavailable, open_store
from infraprobe.monitor.store.base import Compaction, ResultRow, Retention, Rollup
from infraprobe.testing.postgres import PostgresServer
from infraprobe.testing.redis import RedisServer
from tests.conftest import started

from .conftest import fresh_pg_url
from .helpers import T0, obs
from .test_monitor_e2e import until


class Flaky:
    """A store that is down until told otherwise (a pure unit: the bound is arithmetic)."""

    url = "flaky://"

    def __init__(self) -> None:
        self.up = False
        self.rows: list[Observation] = []

    def write(
        self, observations: Sequence[Observation], transitions: Sequence[Transition], *quorum: object
    ) -> None:
        if not self.up:
            raise StoreUnavailable("flaky: down")
        self.rows.extend(observations)

    def compact(self, now: object, retention: Retention) -> Compaction:
        return Compaction()

    def close(self) -> None:
        pass

    def schema_version(self) -> int:
        return 0

    def results(self, *a: object) -> list[ResultRow]:
        return []

    def transitions(self, *a: object) -> list[Transition]:
        return []

    def rollups(self, *a: object) -> list[Rollup]:
        return []


def test_buffer_keeps_the_newest_up_to_its_bound_and_counts_the_rest() -> None:
    store, notices = Flaky(), []
    recorder = Recorder(store, flush_every=0.02, max_buffered=100, notice=notices.append)
    recorder.start()
    recorder.add(obs(at=T0))
    deadline = time.monotonic() + 5
    while recorder.status().available:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    for i in range(1, 150):
        recorder.add(obs(at=T0 + timedelta(seconds=i)))
    assert recorder.status().dropped == 50 and recorder.status().buffered == 100
    store.up = True
    final = recorder.close(timeout=5)
    assert (final.written, final.buffered, final.dropped) == (100, 0, 50)
    assert store.rows[0].result.started_at == T0 + timedelta(seconds=50)  # the oldest went first
    assert any("store unavailable" in n and "up to 100 results" in n for n in notices)
    assert any("available again" in n for n in notices)


@pytest.mark.needs_pg
async def test_postgres_stopped_mid_run_loses_nothing(pg: PostgresServer) -> None:
    redis = started(RedisServer())
    items = "\n".join(f"  - {{name: c{i}, kind: redis, url: '{redis.url()}'}}" for i in range(5))
    loaded = parse_config(f"defaults: {{interval: 0.1s, timeout: 1s}}\ncomponents:\n{items}\n")
    url = fresh_pg_url(pg)
    notices: list[str] = []
    recorder = Recorder(open_store(url), flush_every=0.1, notice=notices.append)
    recorder.start()
    monitor = Monitor(loaded, recorder=recorder, vantage="pg-outage")
    stop = asyncio.Event()
    task = asyncio.create_task(monitor.run(stop))
    try:
        await until(lambda: recorder.status().written >= 10)
        await asyncio.to_thread(pg.stop)
        during = monitor.results
        await until(lambda: not recorder.status().available)
        await until(lambda: monitor.results >= during + 20)  # probing carries on
        assert recorder.status().buffered >= 10
        await asyncio.to_thread(pg.start)
        await until(lambda: recorder.status().available and recorder.status().buffered == 0, timeout=20)
    finally:
        stop.set()
        await task
        final = recorder.close()
        redis.close()
        monitor.runner.net.close()
    reader = open_store(url)
    stored = reader.results(T0)
    reader.close()
    assert final.dropped == 0 and final.buffered == 0
    assert len(stored) == final.written == monitor.results
    assert any("store unavailable" in n for n in notices) and any("available again" in n for n in notices)
