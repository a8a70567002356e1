"""What every probe shares: the signature, the per-run context, and the registry entry type.

A probe is `async def probe(cfg, run) -> str`: it performs its phases inside `run.phase(Phase.X)`, records
facts with `run.fact(facts.X, value)` (both vocabularies are declared in the model), raises (any exception) when the target fails, calls `run.fail(...)` when the
target answered but broke an expectation, and returns a one-line message on success. The runner turns
all of that into one frozen `CheckResult`; a probe never builds results or classifies errors itself.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, NoReturn, TypeVar

from infraprobe.config.model import ComponentBase
from infraprobe.errors import ProbeFailed
from infraprobe.facts import DECLARED, Fact, FactValue, Plain
from infraprobe.net import Net
from infraprobe.phases import Phase
from infraprobe.result import Diagnosis, PhaseTiming
from infraprobe.taxonomy import Cause, Component, Layer

C = TypeVar("C", bound=ComponentBase)
# A plain dict of the declarations (not the read-only proxy): looked up for every fact of every check.
_DECLARED = dict(DECLARED)
V = TypeVar("V", bound=Plain)


@dataclass(slots=True)  # one per check: slots make it cheaper to build and to read
class ProbeRun:
    """Mutable scratchpad for one check while it runs; frozen into a CheckResult afterwards."""

    component: Component
    net: Net
    clock: Callable[[], float] = time.perf_counter
    phases: list[PhaseTiming] = field(default_factory=list)
    facts: dict[str, FactValue] = field(default_factory=dict)
    warnings: list[tuple[str, Cause | None]] = field(default_factory=list)
    current_phase: Phase | None = None

    def phase(self, name: Phase) -> _PhaseTimer:
        """Time one phase. The phase is recorded even when it fails, so a timeout shows where it hung."""
        # A name outside the vocabulary is a bug in the probe: fail loudly (converting only what is not one).
        return _PhaseTimer(self, name if name.__class__ is Phase else Phase(name))

    def fact(self, fact: Fact[V], value: V | None) -> None:
        """A fact, checked against its declaration: analysis must never meet a key or type it cannot read."""
        if _DECLARED.get(fact.key) is not fact or not fact.accepts(value):
            raise TypeError(f"fact {fact.key}={value!r} does not match its declaration in infraprobe.facts")
        self.facts[fact.key] = value

    def record(self, found: Mapping[Fact[Any], FactValue]) -> None:
        for fact, value in found.items():
            self.fact(fact, value)

    def get(self, fact: Fact[V]) -> V | None:
        return fact.read(self.facts)

    def warn(self, message: str, cause: Cause | None = None) -> None:
        self.warnings.append((message, cause))

    def fail(
        self,
        cause: Cause,
        evidence: str,
        *,
        layer: Layer | None = None,
        summary: str | None = None,
        rule: str = "expectation",
    ) -> NoReturn:
        """The target answered but broke an expectation (wrong status, missing name, ...)."""
        diagnosis = Diagnosis.of(cause, self.component, evidence, rule=rule, layer=layer, summary=summary)
        raise ProbeFailed(diagnosis, evidence)


class _PhaseTimer:
    """`with run.phase(...)`. A class rather than @contextmanager: a check enters several phases, and a
    generator-based manager costs a few microseconds more each time, on every check a monitor runs."""

    __slots__ = ("_name", "_run", "_start")

    def __init__(self, run: ProbeRun, name: Phase) -> None:
        self._run, self._name, self._start = run, name, 0.0

    def __enter__(self) -> None:
        self._run.current_phase = self._name
        self._start = self._run.clock()

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        run = self._run
        run.phases.append(PhaseTiming(self._name, run.clock() - self._start))
        if (
            exc_type is None
        ):  # only a phase that completed clears the marker: the runner needs to know where we were
            run.current_phase = None


ProbeFn = Callable[[C, ProbeRun], Awaitable[str]]
PrepareFn = Callable[[C, Net], None]


@dataclass(frozen=True, slots=True)
class ProbeSpec(Generic[C]):
    """One registry entry: everything config parsing, the CLI and the docs need to know about a kind."""

    kind: str
    model: type[C]
    run: ProbeFn[C] | None  # None for kinds that are declared but never probed (a network path)
    component: Component
    summary: str
    # Synchronous set-up (imports, SSL contexts) done before any check starts its clock: done inside a
    # check, it would block the event loop and inflate every other check's phase timings.
    prepare: PrepareFn[C] | None = None
