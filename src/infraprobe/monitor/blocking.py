"""Which failure blocks which: the monitor asks `analyze` (the same root-cause logic as `infraprobe analyze`).

A failing component is *blocked by* a root when that root's analysis lists it among what it blocks: the
dependent fails because its dependency does, so the history says "cache down; backend blocked by cache"
rather than two independent incidents. The analysis runs only for a failure of a component that has
dependencies, and its answer is reused while the set of failing components and their causes is unchanged.
That set is kept up to date from each result (O(1) per result), not recomputed over every component's latest
result each time: at 10,000 components that scan would be 10,000 steps per failing result.
"""

from __future__ import annotations

from collections.abc import Mapping

from infraprobe.analysis.engine import analyze
from infraprobe.analysis.graph import Graph
from infraprobe.configfile.loader import LoadedConfig
from infraprobe.result import CheckResult, Status


class Blocking:
    """Answers `blocked_by(name)` from the latest result of every component. Call it after every change to
    `latest` (the monitor does, for each result): it keeps its failing set current from the one that changed."""

    def __init__(self, loaded: LoadedConfig) -> None:
        self._loaded = loaded
        self._graph = Graph.of(loaded.config)
        self._failing: dict[str, str] | None = None  # component -> cause of its failing latest result
        self._stale = True  # the failing set changed since `_blocked` was computed
        self._blocked: dict[str, str] = {}

    def blocked_by(self, name: str, latest: Mapping[str, CheckResult]) -> str | None:
        result = latest.get(name)
        self._note(name, result, latest)
        if result is None or result.status is not Status.FAIL or not self._graph.effective_deps(name):
            return None
        if self._stale:
            self._blocked = self._roots(latest)
            self._stale = False
        return self._blocked.get(name)

    def _note(self, name: str, result: CheckResult | None, latest: Mapping[str, CheckResult]) -> None:
        if self._failing is None:  # first call (or first after a reload): one scan
            self._failing = {
                r.component: cause for r in latest.values() if (cause := _failure(r)) is not None
            }
            self._stale = True
            return
        cause = _failure(result) if result is not None else None
        if self._failing.get(name) != cause:
            if cause is None:
                del self._failing[name]
            else:
                self._failing[name] = cause
            self._stale = True

    def _roots(self, latest: Mapping[str, CheckResult]) -> dict[str, str]:
        analysis = analyze(self._loaded, tuple(latest.values()))
        return {blocked: root.component for root in analysis.root_causes for blocked in root.blocked}


def _failure(r: CheckResult) -> str | None:
    """The cause of a failing result ("" when it has no diagnosis); None when it is not a failure."""
    if r.status is not Status.FAIL:
        return None
    return r.diagnosis.cause.value if r.diagnosis else ""
