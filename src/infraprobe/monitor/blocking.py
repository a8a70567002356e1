"""Which failure blocks which: the monitor asks `analyze` (the same root-cause logic as `infraprobe analyze`).

A failing component is *blocked by* a root when that root's analysis lists it among what it blocks: the
dependent fails because its dependency does, so the history says "cache down; backend blocked by cache"
rather than two independent incidents. The analysis runs only for a failure of a component that has
dependencies, and its answer is reused while the set of failing components and their causes is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping

from infraprobe.analysis.engine import analyze
from infraprobe.analysis.graph import Graph
from infraprobe.configfile.loader import LoadedConfig
from infraprobe.result import CheckResult, Status

_Signature = frozenset[tuple[str, str]]


class Blocking:
    """Answers `blocked_by(name)` from the latest result of every component."""

    def __init__(self, loaded: LoadedConfig) -> None:
        self._loaded = loaded
        self._graph = Graph.of(loaded.config)
        self._signature: _Signature | None = None
        self._blocked: dict[str, str] = {}

    def blocked_by(self, name: str, latest: Mapping[str, CheckResult]) -> str | None:
        result = latest.get(name)
        if result is None or result.status is not Status.FAIL or not self._graph.effective_deps(name):
            return None
        signature = _failing(latest)
        if signature != self._signature:
            self._blocked = self._roots(latest)
            self._signature = signature
        return self._blocked.get(name)

    def _roots(self, latest: Mapping[str, CheckResult]) -> dict[str, str]:
        analysis = analyze(self._loaded, tuple(latest.values()))
        return {blocked: root.component for root in analysis.root_causes for blocked in root.blocked}


def _failing(latest: Mapping[str, CheckResult]) -> _Signature:
    return frozenset(
        (r.component, r.diagnosis.cause.value if r.diagnosis else "")
        for r in latest.values()
        if r.status is Status.FAIL
    )
