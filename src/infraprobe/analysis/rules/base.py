"""What every rule shares: its input (`Context`) and the declared-or-observed value helper.

A rule is a pure function `Context -> list[Finding]`: no I/O, no clock of its own (`Context.now`), so each
can be tested on literals. Live values reach rules only through `Context.observations`, the facts the
probes recorded, keyed by config component name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from infraprobe.analysis.model import Finding
from infraprobe.analysis.topology import Topology
from infraprobe.result import FactValue

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

    def observed_int(self, name: str, key: str) -> int | None:
        value = self.facts(name).get(key)
        # bool is an int in Python; a boolean fact is never a count.
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def value(self, name: str, key: str, declared: int) -> Value:
        """The observed value when there is one (live beats paper), else the declared one."""
        seen = self.observed_int(name, key)
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
