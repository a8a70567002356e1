"""The component forms: once, consistently (N attempts over a window), within (wait for healthy).

All three run the component's own probe through the runner, so every attempt is an ordinary
`CheckResult` with phase timings and a classified diagnosis.
"""

from __future__ import annotations

from collections import Counter

from infraprobe.result import CheckResult
from infraprobe.validate.context import Context, Planned
from infraprobe.validate.outcome import CheckOutcome

# A poll never gets less than this, however little of the budget is left: a shorter one only times out.
MIN_POLL_TIMEOUT = 0.05


async def once(ctx: Context, planned: Planned) -> CheckOutcome:
    result = await ctx.runner.check(ctx.component(planned.check.component))
    return planned.outcome(
        passed=result.ok,
        duration=result.duration,
        message=result.message,
        diagnosis=result.diagnosis,
        attempts=(result,),
    )


async def consistently(ctx: Context, planned: Planned) -> CheckOutcome:
    spec = planned.check.consistently
    assert spec is not None
    component = ctx.component(planned.check.component)
    interval = spec.over / spec.attempts
    start = ctx.clock()
    results: list[CheckResult] = []
    for i in range(spec.attempts):
        await ctx.sleep(max(0.0, start + i * interval - ctx.clock()))
        results.append(await ctx.runner.check(component))
        failed = sum(not r.ok for r in results)
        ctx.listener.note(planned.id, f"attempt {i + 1}/{spec.attempts}, {failed} failed")
    return _consistently_outcome(planned, results, spec.required, ctx.clock() - start)


def _consistently_outcome(
    planned: Planned, results: list[CheckResult], required: int, duration: float
) -> CheckOutcome:
    passed = sum(r.ok for r in results)
    failures = [r for r in results if not r.ok]
    causes = Counter(r.diagnosis.cause.value for r in failures if r.diagnosis is not None)
    message = f"{passed} of {len(results)} attempts passed"
    if required < len(results):
        message += f" (needed {required})"
    if causes:
        message += " [" + ", ".join(f"{n} {cause}" for cause, n in causes.most_common()) + "]"
    return planned.outcome(
        passed=passed >= required,
        duration=duration,
        message=message,
        diagnosis=next((r.diagnosis for r in failures if r.diagnosis is not None), None),
        attempts=tuple(results),
        facts={
            "attempts": len(results),
            "passed": passed,
            "failed": len(failures),
            "required": required,
            "causes": dict(causes),
            "failed_attempts": [i + 1 for i, r in enumerate(results) if not r.ok],
        },
    )


async def within(ctx: Context, planned: Planned) -> CheckOutcome:
    budget, every = planned.check.within, planned.check.every
    assert budget is not None
    component = ctx.component(planned.check.component)
    start = ctx.clock()
    causes: Counter[str] = Counter()
    polls = 0
    while True:
        left = budget - (ctx.clock() - start)
        attempt = component.model_copy(
            update={"timeout": max(min(component.timeout, left), MIN_POLL_TIMEOUT)}
        )
        result = await ctx.runner.check(attempt)
        polls += 1
        elapsed = ctx.clock() - start
        if result.ok or elapsed + every > budget:
            return _within_outcome(planned, result, elapsed, polls, causes, budget)
        causes[result.diagnosis.cause.value if result.diagnosis else "fail"] += 1
        ctx.listener.note(planned.id, f"not healthy after {elapsed:.1f}s of {budget:g}s ({result.message})")
        await ctx.sleep(every)


def _within_outcome(
    planned: Planned, last: CheckResult, elapsed: float, polls: int, causes: Counter[str], budget: float
) -> CheckOutcome:
    if last.ok:
        message = f"healthy after {elapsed:.1f} s ({polls} attempt{'s' if polls > 1 else ''})"
    else:
        message = f"not healthy within {budget:g} s ({polls} attempts): {last.message}"
    return planned.outcome(
        passed=last.ok,
        duration=elapsed,
        message=message,
        diagnosis=last.diagnosis,
        attempts=(last,),
        facts={
            "took_s": round(elapsed, 3) if last.ok else None,
            "budget_s": budget,
            "polls": polls,
            "causes_before": dict(causes),
        },
    )
