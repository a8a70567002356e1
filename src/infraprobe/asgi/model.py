"""What the health endpoints read: immutable views of dependencies and start-up at one instant.

The monitors and the start-up orchestrator own mutable state; a request takes a `Snapshot` (cheap: a
few comparisons per dependency) and the renderers turn it into bytes without touching anything live.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from infraprobe.result import CheckResult, Status
from infraprobe.taxonomy import Cause, Layer


class HealthStatus(StrEnum):
    """The three values of the Health Check Response Format; warn still serves traffic."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"

    @property
    def http_status(self) -> int:
        return 503 if self is HealthStatus.FAIL else 200

    @property
    def rank(self) -> int:
        return {"pass": 0, "warn": 1, "fail": 2}[self.value]


_FROM_RESULT = {Status.OK: HealthStatus.PASS, Status.WARN: HealthStatus.WARN, Status.FAIL: HealthStatus.FAIL}


@dataclass(frozen=True, slots=True)
class DependencyView:
    """One dependency as a request sees it: its last result, and whether that result is too old."""

    name: str
    kind: str
    target: str
    critical: bool
    interval: float
    staleness: float
    result: CheckResult | None  # None until the first check has finished
    stale: bool

    @property
    def status(self) -> HealthStatus:
        if self.result is None:
            return HealthStatus.WARN  # not known yet: neither pass (a lie) nor fail (nothing failed)
        status = _FROM_RESULT[self.result.status]
        # An old pass is only a memory of health, so it is never reported as pass.
        return HealthStatus.WARN if self.stale and status is HealthStatus.PASS else status

    @property
    def passed(self) -> bool:
        """Counts for readiness: a last check exists and it did not fail."""
        return self.result is not None and self.result.status is not Status.FAIL

    @property
    def cause(self) -> Cause | None:
        return self.result.diagnosis.cause if self.result and self.result.diagnosis else None

    @property
    def layer(self) -> Layer | None:
        return self.result.diagnosis.layer if self.result and self.result.diagnosis else None


class PhaseState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PhaseView:
    name: str
    state: PhaseState
    elapsed: float | None  # seconds; None before the phase starts
    timeout: float
    dependency: str | None = None  # the component the phase waits for, if any
    attempts: int = 0
    cause: Cause | None = None
    layer: Layer | None = None
    message: str = ""  # redacted; shown only to callers allowed details


@dataclass(frozen=True, slots=True)
class StartupView:
    phases: tuple[PhaseView, ...] = ()
    elapsed: float = 0.0

    @property
    def state(self) -> PhaseState:
        return self.overall({p.state for p in self.phases})

    @staticmethod
    def overall(states: set[PhaseState]) -> PhaseState:
        if PhaseState.FAILED in states:
            return PhaseState.FAILED
        if not states or states == {PhaseState.DONE}:
            return PhaseState.DONE
        return PhaseState.RUNNING if states - {PhaseState.PENDING} else PhaseState.PENDING

    @property
    def done(self) -> bool:
        return self.state is PhaseState.DONE

    @property
    def current(self) -> PhaseView | None:
        """The phase running or failed now, the one an operator needs to see first."""
        for phase in self.phases:
            if phase.state in (PhaseState.RUNNING, PhaseState.FAILED):
                return phase
        return None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything a response depends on, frozen at one instant."""

    dependencies: tuple[DependencyView, ...]
    startup: StartupView

    @property
    def ready(self) -> bool:
        return self.startup.done and all(d.passed for d in self.dependencies if d.critical)

    @property
    def status(self) -> HealthStatus:
        """Overall: a failing critical dependency fails; anything else not passing is a warning."""
        worst = HealthStatus.PASS
        for dep in self.dependencies:
            status = dep.status
            if status is HealthStatus.FAIL and not dep.critical:
                status = HealthStatus.WARN
            worst = max(worst, status, key=lambda s: s.rank)
        return worst
