"""What every probe shares: the signature, the per-run context, and the registry entry type.

A probe is `async def probe(cfg, run) -> str`: it performs its phases inside `run.phase(...)`, records
facts with `run.fact(...)`, raises (any exception) when the target fails, calls `run.fail(...)` when the
target answered but broke an expectation, and returns a one-line message on success. The runner turns
all of that into one frozen `CheckResult`; a probe never builds results or classifies errors itself.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Generic, NoReturn, TypeVar

from infraprobe.config.model import ComponentBase
from infraprobe.errors import ProbeFailed
from infraprobe.net import Net
from infraprobe.result import Diagnosis, FactValue, PhaseTiming
from infraprobe.taxonomy import Cause, Component, Layer

C = TypeVar("C", bound=ComponentBase)


@dataclass
class ProbeRun:
    """Mutable scratchpad for one check while it runs; frozen into a CheckResult afterwards."""

    component: Component
    net: Net
    clock: Callable[[], float] = time.perf_counter
    phases: list[PhaseTiming] = field(default_factory=list)
    facts: dict[str, FactValue] = field(default_factory=dict)
    warnings: list[tuple[str, Cause | None]] = field(default_factory=list)
    current_phase: str | None = None

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time one phase. The phase is recorded even when it fails, so a timeout shows where it hung."""
        self.current_phase = name
        start = self.clock()
        try:
            yield
        finally:
            self.phases.append(PhaseTiming(name, self.clock() - start))
        # Only a phase that completed clears the marker: on error the runner needs to know where we were.
        self.current_phase = None

    def fact(self, key: str, value: FactValue) -> None:
        self.facts[key] = value

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
