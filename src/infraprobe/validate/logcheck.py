"""The logs form: "no dns_failure for redis since T", "at most K pool_exhausted in the last 10 minutes".

The log scanner (`infraprobe.logs.scan`) does the reading and classifying with the same taxonomy as the
probes; this module only turns its assertion count into a check outcome. A check's `component` names a
config component, and its kind gives the taxonomy component the scanner matches (a `redis` component's
failures are `redis` failures in the log, whatever the component is called).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from infraprobe.logs import Expectation, LogSummary, Occurrence, scan
from infraprobe.probes.registry import REGISTRY
from infraprobe.result import Diagnosis
from infraprobe.taxonomy import Cause, Component
from infraprobe.validate.context import Context, Planned
from infraprobe.validate.outcome import CheckOutcome


async def logs(ctx: Context, planned: Planned) -> CheckOutcome:
    check = planned.check
    assert check.logs is not None
    cause, limit = check.log_cause()
    component = _taxonomy_component(ctx, check.component)
    paths = [str(_resolve(ctx.base_dir, p)) for p in check.logs]
    start = ctx.clock()
    # The scan is CPU-bound: a thread keeps other checks' timings honest. One worker process: forking
    # from a thread of an event loop is asking for trouble, and validation logs are incident-sized.
    summary = await asyncio.to_thread(
        scan,
        paths,
        since=check.since,
        component=component,
        expect_none=[Expectation(cause, component)],
        redactor=ctx.runner.redactor,
        now=datetime.now(UTC),
        workers=1,
    )
    return _outcome(planned, summary, limit, component, ctx.clock() - start)


def _taxonomy_component(ctx: Context, name: str | None) -> Component | None:
    if name is None:
        return None
    return REGISTRY[ctx.config.component(name).kind].component


def _resolve(base: Path, path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else base / p


def _outcome(
    planned: Planned, summary: LogSummary, limit: int, component: Component | None, duration: float
) -> CheckOutcome:
    violation = summary.violations[0]
    unreadable = [f"{s.name}: {s.error}" for s in summary.sources if s.error]
    cause = violation.expectation.cause
    window = f" since {summary.since.isoformat(timespec='seconds')}" if summary.since else ""
    found = f"{violation.count} {cause.value} event{'s' if violation.count != 1 else ''}{window}"
    passed = violation.count <= limit and not unreadable
    message = f"{found} (allowed {limit})"
    if unreadable:
        message = f"could not read {'; '.join(unreadable)}; {message}"
    return planned.outcome(
        passed=passed,
        duration=duration,
        message=message,
        diagnosis=_diagnosis(violation.occurrences, cause, component) if violation.count > limit else None,
        facts={
            "cause": cause.value,
            "count": violation.count,
            "allowed": limit,
            "since": summary.since.isoformat() if summary.since else None,
            "lines": summary.lines,
            "unreadable": unreadable,
            "occurrences": [o.to_dict() for o in violation.occurrences[:5]],
        },
    )


def _diagnosis(occurrences: tuple[Occurrence, ...], cause: Cause, component: Component | None) -> Diagnosis:
    first = occurrences[0]
    evidence = f"{first.source}:{first.line}: {first.text}"
    return Diagnosis.of(cause, component or Component.OTHER, evidence, rule="validate_logs")
