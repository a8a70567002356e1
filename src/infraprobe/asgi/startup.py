"""Start-up phases for an app's lifespan: named, in order, each under a timeout, visible while they run.

Phases run in a background task so the server can answer `/health/startup` (503 until done) while the
app waits for its database; Kubernetes-style startup probes need exactly that. `run()` is the
foreground form for callers who want start-up to block and raise instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field

from infraprobe.asgi.model import PhaseState, PhaseView, StartupView
from infraprobe.classifier import classify
from infraprobe.clock import Clock, SystemClock
from infraprobe.config.model import ComponentBase
from infraprobe.errors import InfraprobeError
from infraprobe.redact import NO_SECRETS, Redactor
from infraprobe.result import CheckResult, Status
from infraprobe.runner import CheckFn
from infraprobe.taxonomy import Cause, Layer

_LOG = "infraprobe.startup"


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delays between attempts while waiting for a dependency: initial, growing by factor, capped."""

    initial: float = 0.25
    factor: float = 2.0
    maximum: float = 10.0

    def delays(self) -> Iterator[float]:
        delay = self.initial
        while True:
            yield min(delay, self.maximum)
            delay *= self.factor


@dataclass(frozen=True, slots=True)
class Phase:
    """One step of start-up. `wait_for` is checked with backoff until it passes, then `run` is awaited."""

    name: str
    run: Callable[[], Awaitable[object]] | None = None
    wait_for: ComponentBase | None = None
    timeout: float = 60.0
    backoff: Backoff = field(default_factory=Backoff)


class StartupFailed(InfraprobeError):
    """A phase failed or ran out of time; the message names the phase, its dependency and the cause."""

    def __init__(self, message: str, phase: str, cause: Cause, dependency: str | None) -> None:
        super().__init__(message)
        self.message, self.phase, self.cause, self.dependency = message, phase, cause, dependency


@dataclass
class _Progress:
    """Mutable record of one phase; `view()` freezes it for a request."""

    phase: Phase
    state: PhaseState = PhaseState.PENDING
    started: float | None = None
    ended: float | None = None
    attempts: int = 0
    last: CheckResult | None = None
    cause: Cause | None = None
    layer: Layer | None = None
    message: str = ""

    def elapsed(self, now: float) -> float | None:
        if self.started is None:
            return None
        return (self.ended if self.ended is not None else now) - self.started

    def view(self, now: float) -> PhaseView:
        elapsed = self.elapsed(now)
        dependency = self.phase.wait_for.name if self.phase.wait_for else None
        return PhaseView(
            self.phase.name,
            self.state,
            elapsed,
            self.phase.timeout,
            dependency,
            self.attempts,
            self.cause,
            self.layer,
            self.message,
        )


class Startup:
    """Runs phases in order once. Progress is readable at any time through `view()`."""

    def __init__(
        self,
        phases: Iterable[Phase],
        *,
        clock: Clock | None = None,
        logger: logging.Logger | None = None,
        redactor: Redactor = NO_SECRETS,
        on_failure: Callable[[StartupFailed], object] | None = None,
    ) -> None:
        self._progress = [_Progress(p) for p in phases]
        names = [p.phase.name for p in self._progress]
        if len(set(names)) != len(names):
            raise ValueError(f"phase names must be unique: {names}")
        self._clock = clock or SystemClock()
        self._log = logger or logging.getLogger(_LOG)
        self._redact, self._on_failure = redactor, on_failure
        self._began: float | None = None
        self._task: asyncio.Task[None] | None = None
        self.error: StartupFailed | None = None
        self.changes = 0  # bumped on every phase transition: cached health bodies key on it

    @property
    def state(self) -> PhaseState:
        """Overall state without building a view: cheap enough for every request."""
        states = {p.state for p in self._progress}
        return StartupView.overall(states)

    def view(self) -> StartupView:
        now = self._clock.monotonic()
        elapsed = 0.0 if self._began is None else now - self._began
        return StartupView(tuple(p.view(now) for p in self._progress), elapsed)

    def start(self, check: CheckFn) -> asyncio.Task[None]:
        """Run the phases in the background; a failure is logged, shown and passed to `on_failure`."""
        if self._task is None:
            self._task = asyncio.create_task(self._background(check), name="infraprobe-startup")
        return self._task

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def run(self, check: CheckFn) -> None:
        """Run every phase in order; raise `StartupFailed` at the first that fails."""
        self._began = self._clock.monotonic()
        for progress in self._progress:
            await self._run_phase(progress, check)

    def _move(self, progress: _Progress, state: PhaseState) -> None:
        now = self._clock.monotonic()
        if state is PhaseState.RUNNING:
            progress.started = now
        else:
            progress.ended = now
        progress.state = state
        self.changes += 1

    async def _background(self, check: CheckFn) -> None:
        try:
            await self.run(check)
        except StartupFailed as exc:
            self.error = exc
            if self._on_failure is not None:
                self._on_failure(exc)

    async def _run_phase(self, progress: _Progress, check: CheckFn) -> None:
        phase = progress.phase
        self._move(progress, PhaseState.RUNNING)
        self._log.info("startup phase %s: started%s (timeout %gs)", phase.name, _waits(phase), phase.timeout)
        try:
            async with asyncio.timeout(phase.timeout):
                await self._wait_for(progress, check)
                if phase.run is not None:
                    await phase.run()
        except Exception as exc:  # any phase error fails start-up with a named cause, never a bare traceback
            raise self._failed(progress, exc) from exc
        self._move(progress, PhaseState.DONE)
        self._log.info("startup phase %s: done in %.2fs", phase.name, progress.elapsed(0.0))

    async def _wait_for(self, progress: _Progress, check: CheckFn) -> None:
        component = progress.phase.wait_for
        if component is None:
            return
        delays = progress.phase.backoff.delays()
        while True:
            progress.last = await check(component)
            progress.attempts += 1
            if progress.last.status is not Status.FAIL:
                return
            await asyncio.sleep(next(delays))

    def _failed(self, progress: _Progress, exc: Exception) -> StartupFailed:
        phase, last = progress.phase, progress.last
        waiting = phase.wait_for is not None and (last is None or last.status is Status.FAIL)
        if waiting and last is not None and last.diagnosis is not None:
            diagnosis, detail = last.diagnosis, last.message  # the dependency's own reason, not "timeout"
        else:
            diagnosis, detail = classify(exc), _describe(exc, phase.timeout)
        progress.cause, progress.layer = diagnosis.cause, diagnosis.layer
        progress.message = self._redact(detail)
        self._move(progress, PhaseState.FAILED)
        elapsed = progress.elapsed(0.0) or 0.0
        what = f"waiting for {_dep(phase)}" if waiting else "running"
        message = (
            f"start-up failed in phase '{phase.name}' after {elapsed:.1f}s {what}: "
            f"cause={diagnosis.cause.value} layer={diagnosis.layer.value}: {progress.message}"
        )
        self._log.error("startup phase %s: FAILED: %s", phase.name, message)
        dependency = phase.wait_for.name if phase.wait_for else None
        return StartupFailed(message, phase.name, diagnosis.cause, dependency)


def _dep(phase: Phase) -> str:
    component = phase.wait_for
    return "" if component is None else f"{component.kind} '{component.name}'"


def _waits(phase: Phase) -> str:
    return f", waiting for {_dep(phase)}" if phase.wait_for is not None else ""


def _describe(exc: Exception, timeout: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"did not finish within its {timeout:g}s timeout"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")
