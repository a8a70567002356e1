"""When each check runs: every component on its own interval, all first runs at once, then spread out.

One loop owns a heap of due times. At a due time it hands the check to its own task and schedules the next
run from the *due* time (not the end of the check), so a slow check neither drifts its component's
schedule nor delays anyone else's. The second run lands anywhere in [0.5, 1.5) intervals after the first,
uniformly: that gives every component its own phase within the interval, so 10,000 components at 60 s
run as a steady ~170 checks/s instead of 10,000 at once every minute (+-10% jitter on every later run
would only smear that herd over 12 s: 830/s, more than a loaded core keeps up with, and lag grows).

At most `max_inflight` checks run at once; each is bounded by its timeout plus a grace (`guarded_check`), so
a hung check holds its slot for a bounded time only. A component whose previous check is still running when
it is due again skips that run rather than piling up.

`lag` (dispatch time minus due time) is what the benchmark reports: it grows when every slot is busy, or when
the loop itself falls behind (no CPU for it, or another thread holding the GIL).
"""

from __future__ import annotations

import asyncio
import heapq
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from infraprobe.clock import Clock, SystemClock
from infraprobe.config.model import ComponentBase
from infraprobe.redact import NO_SECRETS
from infraprobe.result import CheckResult
from infraprobe.runner import DEADLINE_GRACE, CheckFn, guarded_check

ResultSink = Callable[[CheckResult, float], None]  # (result, schedule lag in seconds)

DEFAULT_MAX_INFLIGHT = 256
DEFAULT_JITTER = 0.1  # each run after the second lands within +-10% of the interval


# A heap entry: (due time, sequence, name, generation). A tuple, not a dataclass: the heap compares entries
# a dozen times per dispatch, and tuple comparison is several times cheaper than a generated __lt__.
_Due = tuple[float, int, str, int]


@dataclass(slots=True)
class _Job:
    component: ComponentBase
    generation: int
    runs: int = 0  # dispatched so far: the first run's successor is the one that picks the phase


class Scheduler:
    """Runs `check` for every component on its interval until `stop()`; results go to `sink`."""

    def __init__(
        self,
        check: CheckFn,
        sink: ResultSink,
        *,
        max_inflight: int = DEFAULT_MAX_INFLIGHT,
        jitter: float = DEFAULT_JITTER,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        grace: float = DEADLINE_GRACE,
    ) -> None:
        self._check, self._sink, self._grace = check, sink, grace
        self.redactor = NO_SECRETS  # masks a crashed check's message; the monitor sets the config's own
        self._slots = asyncio.Semaphore(max_inflight)
        self._jitter = jitter
        self._clock = clock or SystemClock()
        self._rng = rng or random.Random()
        self._jobs: dict[str, _Job] = {}
        self._running: set[str] = set()  # by name: a changed component's old check still counts
        self.skipped = 0
        self._heap: list[_Due] = []
        self._seq = 0
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks: set[asyncio.Task[None]] = set()

    # -- what to run -------------------------------------------------------------------------------

    def set_components(self, components: Iterable[ComponentBase]) -> None:
        """Replace the set of components: new or changed ones run at once, removed ones stop."""
        wanted = {c.name: c for c in components}
        for name in [n for n in self._jobs if n not in wanted]:
            del self._jobs[name]
        for name, component in wanted.items():
            job = self._jobs.get(name)
            if job is None or job.component != component:
                generation = job.generation + 1 if job else 0
                self._jobs[name] = _Job(component, generation)
                self._push(name, self._clock.monotonic())
        self._wake.set()

    @property
    def names(self) -> list[str]:
        return list(self._jobs)

    @property
    def inflight(self) -> int:
        return len(self._running)

    # -- the loop ----------------------------------------------------------------------------------

    async def run(self) -> None:
        while not self._stopping:
            delay = self._next_delay()
            if delay > 0:
                await self._sleep(delay)
                continue
            at, _, name, generation = heapq.heappop(self._heap)
            job = self._jobs.get(name)
            if job is None or job.generation != generation:
                continue  # removed or replaced since it was scheduled
            await self._dispatch(job, at)

    async def stop(self) -> None:
        """Stop scheduling and cancel the checks in flight (their results are not waited for)."""
        self._stopping = True
        self._wake.set()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _next_delay(self) -> float:
        if not self._heap:
            return 3600.0
        return self._heap[0][0] - self._clock.monotonic()

    async def _sleep(self, delay: float) -> None:
        self._wake.clear()
        try:
            async with asyncio.timeout(delay):
                await self._wake.wait()
        except TimeoutError:
            pass

    async def _dispatch(self, job: _Job, due: float) -> None:
        name = job.component.name
        job.runs += 1
        self._push(name, due + self._next_gap(job))
        if name in self._running:
            self.skipped += 1  # still busy with the last run: skipping beats piling up
            return
        await self._slots.acquire()
        self._running.add(name)
        lag = max(0.0, self._clock.monotonic() - due)
        task = asyncio.create_task(self._one(job, lag), name=f"monitor-check:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _one(self, job: _Job, lag: float) -> None:
        name = job.component.name
        try:
            result = await guarded_check(
                self._check, job.component, grace=self._grace, redactor=self.redactor
            )
        finally:
            self._running.discard(name)
            self._slots.release()
        current = self._jobs.get(name)
        if current is not None and current.generation == job.generation:
            self._sink(result, lag)

    def _next_gap(self, job: _Job) -> float:
        interval = job.component.interval
        if job.runs == 1:
            return interval * self._rng.uniform(0.5, 1.5)  # this component's phase (module docstring)
        return interval * (1.0 + self._rng.uniform(-self._jitter, self._jitter))

    def _push(self, name: str, at: float) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (at, self._seq, name, self._jobs[name].generation))
