"""The scheduler on an event loop with virtual time, with a stand-in check (a pure unit: no network).

Virtual time (tests/monitor/virtual_time.py) because these tests judge the plan in tenths of a second: on real
time a loaded machine or a garbage collection stalls the loop by as much, and the plan looked wrong when it was
not."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter

from infraprobe.config.model import ComponentBase
from infraprobe.configfile import parse_config
from infraprobe.monitor.schedule import Scheduler
from infraprobe.result import CheckResult, Status

from .helpers import result
from .virtual_time import LoopClock, now, virtual


def components(*specs: str, interval: str = "10s", timeout: str = "1s") -> list[ComponentBase]:
    items = "\n".join(
        f"  - {{name: {s}, kind: tcp, host: 127.0.0.1, port: 9, interval: {interval}, timeout: {timeout}}}"
        for s in specs
    )
    return list(parse_config(f"components:\n{items}\n").config.components)


class Recorded:
    def __init__(self, delays: dict[str, float] | None = None) -> None:
        self.delays = delays or {}
        self.started: list[tuple[str, float]] = []
        self.results: list[CheckResult] = []
        self.lags: list[float] = []
        self.inflight = self.max_inflight = 0

    async def check(self, component: ComponentBase) -> CheckResult:
        self.started.append((component.name, now()))
        self.inflight += 1
        self.max_inflight = max(self.max_inflight, self.inflight)
        try:
            await asyncio.sleep(self.delays.get(component.name, 0.0))
        finally:
            self.inflight -= 1
        return result(component.name)

    def sink(self, r: CheckResult, lag: float) -> None:
        self.results.append(r)
        self.lags.append(lag)


def _due_times(rec: Recorded) -> dict[str, list[float]]:
    """Each component's due times in order: its starts minus the lag the scheduler reported for them."""
    starts: dict[str, list[float]] = {}
    for name, at in rec.started:
        starts.setdefault(name, []).append(at)
    lags: dict[str, list[float]] = {}
    for r, lag in zip(rec.results, rec.lags, strict=True):
        lags.setdefault(r.component, []).append(lag)
    return {n: [at - lag for at, lag in zip(starts[n], lags[n], strict=False)] for n in lags}


async def run_for(scheduler: Scheduler, seconds: float) -> None:
    task = asyncio.create_task(scheduler.run())
    await asyncio.sleep(seconds)
    await scheduler.stop()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


@virtual
async def test_first_runs_happen_at_once_then_on_the_interval() -> None:
    rec = Recorded()
    s = Scheduler(rec.check, rec.sink, clock=LoopClock(), rng=random.Random(1))
    s.set_components(components(*(f"c{i}" for i in range(50)), interval="0.3s"))
    start = now()
    await run_for(s, 1.0)
    firsts = {}
    for name, at in rec.started:
        firsts.setdefault(name, at)
    assert len(firsts) == 50 and max(firsts.values()) - start < 0.2
    runs = Counter(n for n, _ in rec.started)
    assert all(3 <= n <= 5 for n in runs.values()), runs  # at 0, ~0.3, ~0.6, ~0.9 (+-10% jitter)


@virtual
async def test_later_runs_keep_the_interval_with_jitter() -> None:
    rec = Recorded()
    s = Scheduler(rec.check, rec.sink, clock=LoopClock(), jitter=0.2, rng=random.Random(7))
    s.set_components(components(*(f"c{i}" for i in range(20)), interval="0.3s"))
    await run_for(s, 1.3)
    # Due times (start minus lag), so a loaded machine's late starts do not blur the schedule itself.
    due = _due_times(rec)
    gaps = [b - a for times in due.values() for a, b in itertools.pairwise(times[1:])]
    assert len(gaps) >= 20 and all(0.22 < g < 0.38 for g in gaps), gaps  # 0.3 s +-20%, + task start slack
    assert max(gaps) - min(gaps) > 0.03  # jittered, not all alike


@virtual
async def test_a_hung_check_never_delays_the_others() -> None:
    rec = Recorded(delays={"hung": 3600.0})
    s = Scheduler(rec.check, rec.sink, clock=LoopClock(), grace=0.1)
    s.set_components(
        [*components("hung", timeout="0.3s", interval="0.1s"), *components("fast", interval="0.1s")]
    )
    await run_for(s, 1.0)
    fast = [r for r in rec.results if r.component == "fast"]
    hung = [r for r in rec.results if r.component == "hung"]
    assert len(fast) >= 8
    assert hung and hung[0].status is Status.FAIL and "did not finish within 0.4s" in hung[0].message
    assert s.skipped > 0  # the hung one's later runs were skipped, not piled up
    assert max(rec.lags) < 0.1


@virtual
async def test_checks_in_flight_are_bounded() -> None:
    rec = Recorded(delays={f"c{i}": 0.2 for i in range(20)})
    s = Scheduler(rec.check, rec.sink, clock=LoopClock(), max_inflight=5)
    s.set_components(components(*(f"c{i}" for i in range(20))))
    await run_for(s, 1.0)
    assert rec.max_inflight == 5 and len(rec.results) == 20
    assert max(rec.lags) >= 0.55  # the last five waited for three rounds of slots: lag is measured


@virtual
async def test_changing_the_components_keeps_unchanged_schedules() -> None:
    rec = Recorded()
    s = Scheduler(rec.check, rec.sink, clock=LoopClock())
    first = components("same", "changed", "gone", interval="10s")
    s.set_components(first)
    task = asyncio.create_task(s.run())
    await asyncio.sleep(0.2)
    s.set_components([first[0], *components("changed", interval="5s"), *components("new")])
    await asyncio.sleep(0.2)
    await s.stop()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert Counter(n for n, _ in rec.started) == {"same": 1, "changed": 2, "gone": 1, "new": 1}
    assert s.names == ["same", "changed", "new"]


@virtual
async def test_second_runs_spread_over_a_whole_interval() -> None:
    """All first runs at once, then each component takes its own phase: no herd every interval."""
    rec = Recorded()
    s = Scheduler(rec.check, rec.sink, clock=LoopClock(), rng=random.Random(3))
    s.set_components(components(*(f"c{i}" for i in range(200)), interval="0.4s"))
    start = now()
    await run_for(s, 0.65)
    # Due times (start minus lag), as above: a loaded machine's stalled loop delays starts, not the plan.
    due = _due_times(rec)
    seconds = [at - start for times in due.values() for at in times[1:]]
    assert len(seconds) > 150 and min(seconds) >= 0.2  # at least half an interval after the first
    tenths = Counter(min(4, int((at - 0.2) / 0.4 * 5)) for at in seconds if at < 0.6)
    assert len(tenths) == 5 and max(tenths.values()) < 0.35 * sum(tenths.values()), tenths
