"""The dependency graph of components (`depends_on`), and the network-path heuristic.

Edges point from a component to what it needs. A failure travels the other way: a failed dependency blocks
its failed dependents. It travels only through failed components and through network paths (which are
never probed, so have no status of their own): a dependent that still passes is evidence the dependency's
failure did not reach it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from infraprobe.analysis.model import Confidence
from infraprobe.config.model import Config
from infraprobe.result import CheckResult, Status
from infraprobe.taxonomy import Cause

PATH_KIND = "path"
# Causes a broken network path produces. Refused is absent on purpose: a refusal comes from the target host.
NETWORK_CAUSES = frozenset(
    {Cause.DNS_FAILURE, Cause.CONNECT_TIMEOUT, Cause.NETWORK_UNREACHABLE, Cause.CONNECTION_RESET}
)


@dataclass(frozen=True, slots=True)
class Graph:
    deps: Mapping[str, tuple[str, ...]]
    kinds: Mapping[str, str]

    @classmethod
    def of(cls, config: Config) -> Graph:
        return cls(
            {c.name: c.depends_on for c in config.components}, {c.name: c.kind for c in config.components}
        )

    def is_path(self, name: str) -> bool:
        return self.kinds.get(name) == PATH_KIND

    def dependents(self, name: str) -> list[str]:
        return [n for n, deps in self.deps.items() if name in deps]

    def effective_deps(self, name: str) -> set[str]:
        """Direct dependencies, looking through unprobed paths to what stands behind them as well."""
        out: set[str] = set()
        for dep in self.deps.get(name, ()):
            out.add(dep)
            if self.is_path(dep):
                out |= self.effective_deps(dep)
        return out

    def behind(self, name: str) -> list[str]:
        """Probed components that reach the network through path `name` (directly or via other paths)."""
        out: list[str] = []
        for dep in self.dependents(name):
            out.extend(self.behind(dep) if self.is_path(dep) else [dep])
        return list(dict.fromkeys(out))


def downstream(graph: Graph, seeds: Iterable[str], failed: Mapping[str, CheckResult]) -> list[str]:
    """Failed components a failure at `seeds` reaches, walking dependents through failed nodes and paths."""
    seen: set[str] = set(seeds)
    queue = deque(seen)
    out: list[str] = []
    while queue:
        for dependent in graph.dependents(queue.popleft()):
            if dependent in seen or not (dependent in failed or graph.is_path(dependent)):
                continue
            seen.add(dependent)
            queue.append(dependent)
            if dependent in failed:
                out.append(dependent)
    return out


@dataclass(frozen=True, slots=True)
class PathSuspect:
    name: str
    confidence: Confidence
    reason: str
    failing: tuple[str, ...]  # the components behind the path, all failing with network causes


def suspect_paths(graph: Graph, results: Mapping[str, CheckResult]) -> list[PathSuspect]:
    found = []
    for name in (n for n, kind in graph.kinds.items() if kind == PATH_KIND):
        suspect = _suspect(graph, name, results)
        if suspect is not None:
            found.append(suspect)
    return found


def _suspect(graph: Graph, name: str, results: Mapping[str, CheckResult]) -> PathSuspect | None:
    behind = [n for n in graph.behind(name) if n in results]
    if not behind or not all(_network_failure(results[n]) for n in behind):
        return None
    kinds = {results[n].kind for n in behind}
    controls = [r.component for r in results.values() if _is_control(graph, r, name, behind, kinds)]
    if not controls and len(behind) < 2:
        return None  # one failing target and nothing to compare with: the target itself is as likely
    high = bool(controls) and len(behind) >= 2
    return PathSuspect(
        name,
        Confidence.HIGH if high else Confidence.MEDIUM,
        _reason(behind, controls, results),
        tuple(behind),
    )


def _network_failure(result: CheckResult) -> bool:
    return (
        result.status is Status.FAIL
        and result.diagnosis is not None
        and result.diagnosis.cause in NETWORK_CAUSES
    )


def _is_control(graph: Graph, result: CheckResult, path: str, behind: list[str], kinds: set[str]) -> bool:
    """A target of the same kind, reached without this path, that works."""
    return (
        result.status is not Status.FAIL
        and result.kind in kinds
        and result.component not in behind
        and not graph.is_path(result.component)
        and path not in _all_deps(graph, result.component)
    )


def _all_deps(graph: Graph, name: str) -> set[str]:
    out: set[str] = set()
    stack = list(graph.deps.get(name, ()))
    while stack:
        dep = stack.pop()
        if dep not in out:
            out.add(dep)
            stack.extend(graph.deps.get(dep, ()))
    return out


def _reason(behind: list[str], controls: list[str], results: Mapping[str, CheckResult]) -> str:
    causes = sorted({d.cause.value for n in behind if (d := results[n].diagnosis) is not None})
    text = (
        f"all {len(behind)} probed component(s) behind it ({', '.join(behind)}) failed with network causes "
        f"({', '.join(causes)})"
    )
    if controls:
        return f"{text}, while {', '.join(controls)} of the same kind, reached another way, succeeded"
    return (
        f"{text}; no target of the same kind reached another way was checked, "
        "so the targets themselves may be down"
    )
