"""Background checks of one dependency: on its interval, single flight, under a deadline.

A request never starts a check. Each dependency has one loop that checks, then sleeps until the next
interval starts; anything else that wants a fresh result (a start-up phase waiting for the database)
joins the check in flight instead of starting a second one. So a dependency sees at most one check
connection at a time, and at most one check per interval however many requests arrive.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from infraprobe.asgi.model import DependencyView
from infraprobe.clock import Clock
from infraprobe.config.model import ComponentBase
from infraprobe.result import CheckResult, Status
from infraprobe.runner import DEADLINE_GRACE, CheckFn, guarded_check

_log = logging.getLogger("infraprobe.health")


class Checker(Protocol):
    """What a monitor needs from `infraprobe.runner.Runner`: one check of one component."""

    async def check(self, component: ComponentBase) -> CheckResult: ...


@dataclass(frozen=True, slots=True)
class Dependency:
    """A component to watch, with its own schedule. Unset fields take the `HealthChecks` defaults."""

    component: ComponentBase
    interval: float | None = None  # seconds between the starts of two checks
    staleness: float | None = None  # a result older than this is reported stale (warn), never pass
    critical: bool | None = None  # None: the component's own `critical`

    @property
    def name(self) -> str:
        return self.component.name


class Monitor:
    """Owns the last result of one dependency and the only check of it that may be in flight."""

    def __init__(
        self,
        dependency: Dependency,
        *,
        interval: float,
        staleness: float | None,
        check: CheckFn,
        clock: Clock,
        on_result: Callable[[], None] = lambda: None,
        grace: float = DEADLINE_GRACE,
    ) -> None:
        self.component = dependency.component
        self.interval = dependency.interval or interval
        self.staleness = dependency.staleness or staleness or default_staleness(self.interval, self.component)
        if self.staleness <= self.interval:
            raise ValueError(f"{self.component.name}: staleness must be longer than the interval")
        self.critical = self.component.critical if dependency.critical is None else dependency.critical
        # Computed once: some kinds parse a DSN to describe their target, far too slow for every request.
        self.target = self.component.target()
        self._check, self._clock, self._on_result, self._grace = check, clock, on_result, grace
        self._inflight: asyncio.Task[CheckResult] | None = None
        self.last: CheckResult | None = None
        self.started_at: float | None = None  # monotonic start of the latest check
        self.finished_at: float | None = None  # monotonic end of the latest check
        self.runs = 0

    async def check_now(self) -> CheckResult:
        """Run a check, or join the one already running; cancelling the caller never cancels the check."""
        if self._inflight is None:
            self._inflight = asyncio.create_task(self._run_once(), name=f"health-check:{self.component.name}")
        return await asyncio.shield(self._inflight)

    async def cancel(self) -> None:
        """Stop the check in flight (shutdown): its connection closes now, not at its timeout."""
        task = self._inflight
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def run_forever(self) -> None:
        while True:
            await self.check_now()
            await asyncio.sleep(self.delay_until_due())

    def delay_until_due(self) -> float:
        if self.started_at is None:
            return 0.0
        return max(0.0, self.started_at + self.interval - self._clock.monotonic())

    def stale(self, now: float) -> bool:
        return self.finished_at is not None and now - self.finished_at > self.staleness

    def view(self, now: float) -> DependencyView:
        c = self.component
        return DependencyView(
            c.name,
            c.kind,
            self.target,
            self.critical,
            self.interval,
            self.staleness,
            self.last,
            self.stale(now),
        )

    async def _run_once(self) -> CheckResult:
        self.runs += 1
        self.started_at = self._clock.monotonic()
        try:
            result = await self._guarded()
        finally:
            self._inflight = None
        if self.last is None or self.last.status is not result.status:
            _log_change(self.last, result)
        self.last, self.finished_at = result, self._clock.monotonic()
        self._on_result()
        return result

    async def _guarded(self) -> CheckResult:
        return await guarded_check(self._check, self.component, grace=self._grace, critical=self.critical)


def _log_change(before: CheckResult | None, after: CheckResult) -> None:
    """One log line per status change (not per check), so a flapping dependency is visible, not noisy.

    A failure carries its message (masked as it entered the result): the log then says what went wrong in
    the client's own words, which is what `infraprobe logs` reads back."""
    was = before.status.value if before else "unknown"
    cause = f" cause={after.diagnosis.cause.value}: {after.message}" if after.diagnosis else ""
    level = logging.WARNING if after.status is Status.FAIL else logging.INFO
    _log.log(level, "dependency %s: %s -> %s%s", after.component, was, after.status.value, cause)


def default_staleness(interval: float, component: ComponentBase) -> float:
    """Long enough for one missed beat plus a check that runs to its timeout, so only a real stall shows."""
    return 2 * interval + component.timeout + DEADLINE_GRACE
