"""Run checks: each under its own deadline, all concurrently, so a run lasts as long as its slowest check."""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import resource
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from infraprobe.config.model import ComponentBase, Config
from infraprobe.deadline import within
from infraprobe.errors import ProbeFailed
from infraprobe.net import Net, ResolverBusy
from infraprobe.phases import Phase
from infraprobe.probes.base import ProbeRun, ProbeSpec
from infraprobe.probes.registry import REGISTRY
from infraprobe.redact import NO_SECRETS, Redactor
from infraprobe.result import CheckResult, Diagnosis, Status
from infraprobe.taxonomy import Cause, Component, Layer

ResultCallback = Callable[[CheckResult], None]
CheckFn = Callable[[ComponentBase], Awaitable[CheckResult]]
MESSAGE_CHARS = 300

# The runner already enforces the component's timeout; this outer guard only catches a probe that fails
# to honour cancellation, so a wedged probe still yields a result instead of a monitor stuck forever.
DEADLINE_GRACE = 1.0


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The outcome of one `check` run: every result, in config order."""

    environment: str
    started_at: datetime
    duration: float
    results: tuple[CheckResult, ...]
    # Selected components with nothing to probe (a network path): shown as such, never counted as ok.
    not_probed: tuple[str, ...] = ()

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if r.status is Status.FAIL]

    @property
    def exit_code(self) -> int:
        """0 when every critical check passed (warnings included), 1 otherwise."""
        return 1 if any(r.critical for r in self.failed) else 0

    def to_dict(self) -> dict[str, Any]:
        counts = {s.value: sum(r.status is s for r in self.results) for s in Status}
        return {
            "environment": self.environment,
            "started_at": self.started_at.isoformat(),
            "duration_ms": round(self.duration * 1000, 3),
            "ok": self.exit_code == 0,
            "counts": counts,
            "results": [r.to_dict() for r in self.results],
            "not_probed": list(self.not_probed),
        }


@dataclass(slots=True)  # private and short-lived: not frozen, which costs a setattr call per field
class _Outcome:
    """How a probe ended: its message, and either its own diagnosis or the error still to classify."""

    message: str
    diagnosis: Diagnosis | None = None
    error: BaseException | None = None
    phase: str | None = None


@dataclass
class Runner:
    """Runs checks for one config. Holds the shared resolver and TLS contexts; no global state."""

    net: Net = field(default_factory=Net)
    redactor: Redactor = NO_SECRETS
    clock: Callable[[], float] = time.perf_counter
    # The kinds this runner knows; injectable so embedders and tests can add or replace probes.
    registry: Mapping[str, ProbeSpec[Any]] = field(default_factory=lambda: REGISTRY)
    # Checks in flight at once; None: as many as the open-file limit allows (see `default_in_flight`).
    max_in_flight: int | None = None

    async def check(self, component: ComponentBase) -> CheckResult:
        spec = self.registry[component.kind]
        started_at = datetime.now(UTC)
        run = ProbeRun(spec.component, self.net, self.clock)
        start = self.clock()
        outcome = await self._execute(spec, component, run)
        # Taken before classifying: the time is the target's, not the time our rules take to explain it.
        duration = self.clock() - start
        diagnosis = outcome.diagnosis
        if outcome.error is not None and _prober_exhausted(outcome.error):
            diagnosis = _prober_diagnosis(outcome.error, outcome.message)
        elif outcome.error is not None:
            diagnosis = self._classify(outcome.error, outcome.phase, spec.component)
            if isinstance(outcome.error, TimeoutError):
                diagnosis = dataclasses.replace(diagnosis, evidence=outcome.message)
        return self._result(component, run, started_at, duration, outcome.message, diagnosis)

    @staticmethod
    def _classify(exc: BaseException, phase: str | None, component: Component) -> Diagnosis:
        # The rule tables take ~70 ms to compile: a run where everything passes never pays for them.
        from infraprobe.classifier import classify

        return classify(exc, phase=phase, component=component)

    async def _execute(self, spec: ProbeSpec[Any], component: ComponentBase, run: ProbeRun) -> _Outcome:
        if spec.run is None:
            return _Outcome("not probed")
        try:
            return _Outcome(await within(component.timeout, spec.run(component, run)))
        except ProbeFailed as exc:
            return _Outcome(exc.message, diagnosis=exc.diagnosis)
        except TimeoutError as exc:
            phase = run.current_phase or Phase.CONNECT
            return _Outcome(
                f"timed out after {component.timeout:g}s in the {phase} phase", error=exc, phase=phase
            )
        except Exception as exc:  # a probe's failure is data, never a crash of the tool
            return _Outcome(_one_line(exc), error=exc, phase=run.current_phase)

    def _result(
        self,
        component: ComponentBase,
        run: ProbeRun,
        started_at: datetime,
        duration: float,
        message: str,
        diagnosis: Diagnosis | None,
    ) -> CheckResult:
        status, message, diagnosis = self._verdict(component, run, duration, message, diagnosis)
        if diagnosis is not None:
            diagnosis = _redacted(diagnosis, self.redactor)
        # Masked here, by structure, as the values enter the result: nothing downstream sees a secret.
        return CheckResult(
            component=component.name,
            kind=component.kind,
            status=status,
            started_at=started_at,
            duration=duration,
            phases=tuple(run.phases),
            facts=self.redactor.value(run.facts),
            diagnosis=diagnosis,
            message=self.redactor.clip(message, MESSAGE_CHARS, "..."),
            critical=component.critical,
            category=component.category,
        )

    @staticmethod
    def _verdict(
        component: ComponentBase, run: ProbeRun, duration: float, message: str, diagnosis: Diagnosis | None
    ) -> tuple[Status, str, Diagnosis | None]:
        if diagnosis is not None:
            return Status.FAIL, message, diagnosis
        if component.max_latency is not None and duration > component.max_latency:
            run.warn(f"took {duration * 1000:.0f} ms, over the {component.max_latency * 1000:.0f} ms budget")
        if not run.warnings:
            return Status.OK, message, None
        text, cause = run.warnings[0]
        warn_diag = Diagnosis.of(cause, run.component, text, rule="warning") if cause else None
        return Status.WARN, "; ".join(w for w, _ in run.warnings), warn_diag

    def prepare(self, components: list[ComponentBase]) -> None:
        """Do every check's synchronous set-up before any clock starts (see ProbeSpec.prepare)."""
        for component in components:
            spec = self.registry[component.kind]
            if spec.prepare is not None:
                spec.prepare(component, self.net)
        if len(components) > 1:
            # A batch usually has a failure; compiling the rules then would stall every check in flight.
            import infraprobe.classifier  # noqa: F401

    async def run(
        self, components: Iterable[ComponentBase], on_result: ResultCallback | None = None
    ) -> tuple[CheckResult, ...]:
        """Run every component's check concurrently; results come back in the order given."""

        components = list(components)
        self.prepare(components)
        # Checks beyond the cap wait their turn; each one's deadline starts when it starts, not in the queue.
        gate = asyncio.Semaphore(self.max_in_flight or default_in_flight())

        async def one(component: ComponentBase) -> CheckResult:
            async with gate:
                result = await self.check(component)
            if on_result is not None:
                on_result(result)
            return result

        return tuple(await asyncio.gather(*(one(c) for c in components)))


async def guarded_check(
    check: CheckFn,
    component: ComponentBase,
    *,
    grace: float = DEADLINE_GRACE,
    critical: bool | None = None,
    redactor: Redactor = NO_SECRETS,
) -> CheckResult:
    """`check(component)` that always returns a result by timeout + grace, even from a wedged or broken probe."""
    start = time.monotonic()
    deadline = component.timeout + grace
    try:
        async with asyncio.timeout(deadline):
            return await check(component)
    except TimeoutError:
        message, cause = f"check did not finish within {deadline:g}s", Cause.READ_TIMEOUT
    except Exception as exc:  # a broken checker must not kill its monitor: report it as data
        message, cause = (
            redactor(f"check crashed: {type(exc).__name__}: {exc}")[:MESSAGE_CHARS],
            Cause.UNKNOWN,
        )
    duration = time.monotonic() - start
    spec = REGISTRY.get(component.kind)
    return CheckResult(
        component=component.name,
        kind=component.kind,
        status=Status.FAIL,
        started_at=datetime.now(UTC) - timedelta(seconds=duration),
        duration=duration,
        diagnosis=Diagnosis.of(cause, spec.component if spec else Component.OTHER, message, rule="monitor"),
        message=message,
        critical=component.critical if critical is None else critical,
        category=component.category,
    )


FDS_PER_CHECK = 2  # the probe's socket, and the driver's own (libpq, redis) or a resolver's
RESERVED_FDS = 64  # stdio, the event loop, the cache and config files, the TLS trust store


def default_in_flight() -> int:
    """As many checks as the soft RLIMIT_NOFILE leaves descriptors for (1,000 when it is unlimited).

    Without a cap, 2,000 checks held 2,008 descriptors, and under `ulimit -n 256` most healthy targets
    failed with "Too many open files": the prober's limit reported as the targets' failure."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 1000
    return max(1, (soft - RESERVED_FDS) // FDS_PER_CHECK)


def _prober_exhausted(exc: BaseException) -> bool:
    return isinstance(exc, ResolverBusy) or (
        isinstance(exc, OSError) and exc.errno in (errno.EMFILE, errno.ENFILE)
    )


_PROBER_SUMMARY = (
    "Not tested: infraprobe itself ran short ({what}), its own limit and not the target's; {fix}."
)


def _prober_diagnosis(exc: BaseException, message: str) -> Diagnosis:
    """The prober's own exhaustion says nothing about the target: never blamed on its component."""
    if isinstance(exc, ResolverBusy):
        what, fix = "every resolver thread was busy with slow lookups of other names", "fix those names' DNS"
    else:
        what, fix = "of file descriptors", "raise `ulimit -n` or lower --max-in-flight"
    summary = _PROBER_SUMMARY.format(what=what, fix=fix)
    return Diagnosis.of(
        Cause.UNKNOWN, Component.OTHER, message, rule="prober_resources", layer=Layer.UNKNOWN, summary=summary
    )


def _one_line(exc: BaseException) -> str:
    # Not cut here: the runner masks the whole line first, then clips it (a cut first could keep half a secret).
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0] if text else ""


def _redacted(diagnosis: Diagnosis, redactor: Redactor) -> Diagnosis:
    return Diagnosis(
        cause=diagnosis.cause,
        layer=diagnosis.layer,
        component=diagnosis.component,
        summary=diagnosis.summary,
        guidance=diagnosis.guidance,
        owner=diagnosis.owner,
        evidence=redactor.clip(diagnosis.evidence, MESSAGE_CHARS),
        rule=diagnosis.rule,
    )


def select(config: Config, only: Iterable[str] = ()) -> list[ComponentBase]:
    wanted = set(only)
    return [c for c in config.components if not wanted or c.name in wanted]


def probed(components: Iterable[ComponentBase]) -> tuple[list[ComponentBase], tuple[str, ...]]:
    """Split components into those with a probe and the names of those without (network paths)."""
    components = list(components)
    runnable = [c for c in components if REGISTRY[c.kind].run is not None]
    return runnable, tuple(c.name for c in components if REGISTRY[c.kind].run is None)


async def check_config(
    config: Config,
    *,
    only: Iterable[str] = (),
    redactor: Redactor = NO_SECRETS,
    on_result: ResultCallback | None = None,
    net: Net | None = None,
    max_in_flight: int | None = None,
) -> CheckReport:
    """Library entry point for `infraprobe check`: probe every (selected) component once."""
    own_net = net is None
    runner = Runner(net=net or Net(), redactor=redactor, max_in_flight=max_in_flight)
    started_at = datetime.now(UTC)
    start = time.perf_counter()
    runnable, skipped = probed(select(config, only))
    try:
        results = await runner.run(runnable, on_result)
    finally:
        if own_net:
            runner.net.close()
    return CheckReport(config.environment, started_at, time.perf_counter() - start, results, skipped)


__all__ = ["CheckFn", "CheckReport", "Runner", "check_config", "guarded_check", "select"]
