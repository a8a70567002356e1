"""What every rule shares: its input (`Context`) and the declared-or-observed value helper.

A rule is a pure function `Context -> list[Finding]`: no I/O, no clock of its own (`Context.now`), so each
can be tested on literals. Live values reach rules only through `Context.observations`, the facts the
probes recorded, keyed by config component name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from infraprobe.analysis.model import Finding
from infraprobe.config.topology import Topology
from infraprobe.facts import Fact, FactValue, Plain

V = TypeVar("V", bound=Plain)
Observations = Mapping[str, Mapping[str, FactValue]]


@dataclass(frozen=True, slots=True)
class Context:
    topology: Topology
    links: Mapping[str, str] = field(default_factory=dict)  # topology name -> config component name
    observations: Observations | None = None  # None: static analysis only (no --observe)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def facts(self, name: str) -> Mapping[str, FactValue]:
        """The live facts of the component a topology entry is linked to (empty when not observed)."""
        component = self.links.get(name)
        if self.observations is None or component is None:
            return {}
        return self.observations.get(component, {})

    def observed(self, name: str, fact: Fact[V]) -> V | None:
        """A live fact of a topology entry, when observed and of the declared type."""
        return fact.read(self.facts(name))

    def value(self, name: str, fact: Fact[int], declared: int) -> Value:
        """The observed value when there is one (live beats paper), else the declared one."""
        seen = self.observed(name, fact)
        if seen is None:
            return Value(declared, "declared")
        return Value(seen, "observed" if seen == declared else f"observed; declared {declared}")


@dataclass(frozen=True, slots=True)
class Value:
    number: int
    source: str  # "declared", "observed", or "observed; declared N" when they differ

    @property
    def observed(self) -> bool:
        return self.source.startswith("observed")

    def __str__(self) -> str:
        return f"{self.number} ({self.source})"


Rule = Callable[[Context], list[Finding]]


def seconds(value: float) -> str:
    """Durations in the arithmetic stay in one unit (600s, not 10m), so comparisons read at a glance."""
    return f"{value * 1000:g}ms" if value < 1 else f"{value:g}s"


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"
