"""Results, observations and configs from literals, for the monitor's pure tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from infraprobe.monitor.state import Observation
from infraprobe.result import CheckResult, Diagnosis, PhaseTiming, Status
from infraprobe.taxonomy import Cause, Component

T0 = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)


def result(
    name: str = "cache",
    status: Status = Status.OK,
    *,
    at: datetime = T0,
    cause: Cause | None = None,
    duration: float = 0.01,
    kind: str = "tcp",
    evidence: str = "",
) -> CheckResult:
    if cause is None and status is Status.FAIL:
        cause = Cause.CONNECTION_REFUSED
    diagnosis = Diagnosis.of(cause, Component.OTHER, evidence or f"{cause.value} evidence") if cause else None
    return CheckResult(
        component=name,
        kind=kind,
        status=status,
        started_at=at,
        duration=duration,
        phases=(PhaseTiming("connect", duration),),
        diagnosis=diagnosis,
        message=status.value,
    )


def obs(
    name: str = "cache", status: Status = Status.OK, *, at: datetime = T0, vantage: str = "here", **kw: object
) -> Observation:
    return Observation(result(name, status, at=at, **kw), vantage)  # type: ignore[arg-type]


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
