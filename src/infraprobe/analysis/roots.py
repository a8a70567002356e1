"""Root causes: one entry per independent cause, with everything it blocks listed under it.

Three kinds of roots, in one list:
- a critical finding (the numbers could never have worked) is always a root of its own;
- a network path is a root when everything behind it fails with network causes (see `graph.suspect_paths`);
- a failed check is a root when none of its dependencies is failing and no finding explains its cause.
A dependency is *failing* when its check failed, it is a suspected path, or a critical finding sits on it
and its own check (if it has one) did not pass. A finding *explains* a failure whose cause is one it
predicts, on a component it names or one that depends on where it sits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from infraprobe.analysis.graph import Graph, PathSuspect, downstream, suspect_paths
from infraprobe.analysis.links import component_of
from infraprobe.analysis.model import Confidence, Finding, RootCause, Severity, Why
from infraprobe.analysis.whys import build_whys
from infraprobe.result import CheckResult, Status
from infraprobe.taxonomy import CAUSES, Cause, Layer

_ORIGIN_ORDER = {"path": 0, "check": 1, "finding": 2}


@dataclass(frozen=True, slots=True)
class _World:
    graph: Graph
    results: Mapping[str, CheckResult]
    failed: Mapping[str, CheckResult]
    links: Mapping[str, str]

    @property
    def probed(self) -> bool:
        return bool(self.results)

    def passing(self, name: str) -> bool:
        """Its own check passed just now: live evidence that it is up, whatever the arithmetic says."""
        result = self.results.get(name)
        return result is not None and result.status is not Status.FAIL and not self.graph.is_path(name)

    def cause(self, name: str) -> Cause | None:
        result = self.failed.get(name)
        return result.diagnosis.cause if result and result.diagnosis else None

    def explained_by(self, finding: Finding) -> list[str]:
        """Failed components, named by the finding or depending on where it sits, failing as it predicts."""
        anchor = component_of(finding.anchor, self.links)
        named = [component_of(n, self.links) for n in finding.components]
        needing = [n for n in self.failed if anchor in self.graph.effective_deps(n)]
        return [n for n in dict.fromkeys([*named, *needing]) if self.cause(n) in finding.explains]


def find_roots(
    graph: Graph, results: Sequence[CheckResult], findings: Sequence[Finding], links: Mapping[str, str]
) -> tuple[RootCause, ...]:
    by_name = {r.component: r for r in results}
    failed = {n: r for n, r in by_name.items() if r.status is Status.FAIL and not graph.is_path(n)}
    world = _World(graph, by_name, failed, links)
    critical = [f for f in findings if f.severity is Severity.CRITICAL]
    suspects = {s.name: s for s in suspect_paths(graph, by_name)}
    anchors = {component_of(f.anchor, links) for f in critical}
    # A finding on a component that passes its check is latent: its dependents are blocked by it only
    # when they fail the way it predicts (explained), not merely because they fail.
    blocking = {a for a in anchors if not world.passing(a)}
    explained = {n for f in critical for n in world.explained_by(f)} | {
        n for s in suspects.values() for n in s.failing
    }
    failing = set(failed) | blocking | set(suspects)
    independent = [n for n in failed if n not in explained and not graph.effective_deps(n) & failing]
    roots = [
        # A suspected path that also fails the arithmetic is one root: the finding, backed by the inference.
        *(_finding_root(world, f, suspects.get(component_of(f.anchor, links))) for f in critical),
        *(_path_root(world, s) for s in suspects.values() if s.name not in anchors),
        *(_check_root(world, n) for n in independent),
    ]
    return tuple(sorted(roots, key=lambda r: (-len(r.blocked), _ORIGIN_ORDER[r.origin], r.component)))


def _finding_root(world: _World, finding: Finding, suspect: PathSuspect | None) -> RootCause:
    anchor = component_of(finding.anchor, world.links)
    explained = [*world.explained_by(finding), *(suspect.failing if suspect else ())]
    seeds = {*explained, *(() if world.passing(anchor) else (anchor,))}
    reached = downstream(world.graph, seeds, world.failed)
    blocked = tuple(n for n in dict.fromkeys([*explained, *reached]) if n != anchor)
    tail = [Why(anchor, f"{finding.summary}: {finding.evidence}", "finding", finding.code)]
    confidence, reason = _finding_confidence(world, finding, bool(explained))
    if suspect is not None:
        tail.insert(0, _path_why(suspect))
        reason = f"{reason}; and {suspect.reason}"
    return RootCause(
        component=anchor,
        cause=finding.code,
        layer=Layer.CONFIGURATION.value,
        blocked=blocked,
        # The anchor's own failure belongs in the chain only when this finding accounts for its cause.
        whys=build_whys(
            world.graph, world.failed, anchor, blocked, tail, frozenset(explained), anchor in explained
        ),
        confidence=confidence,
        reason=reason,
        origin="finding",
        fix=finding.fix,
        finding=finding,
    )


def _finding_confidence(world: _World, finding: Finding, corroborated: bool) -> tuple[Confidence, str]:
    if corroborated:
        return Confidence.HIGH, "the arithmetic fails, and live failures show the causes it predicts"
    if finding.observed:
        return Confidence.HIGH, "the arithmetic fails with values observed on the live servers"
    if not world.probed:
        return Confidence.MEDIUM, "the arithmetic fails on declared values; nothing was probed to confirm it"
    return Confidence.MEDIUM, "the arithmetic fails on declared values; no live failure shows its causes yet"


def _path_root(world: _World, suspect: PathSuspect) -> RootCause:
    blocked = tuple(downstream(world.graph, {suspect.name}, world.failed))
    tail = [_path_why(suspect)]
    causes = sorted({c for n in suspect.failing if (c := world.cause(n)) is not None})
    return RootCause(
        component=suspect.name,
        cause=causes[0].value if len(causes) == 1 else "network_path",
        layer=Layer.INFRASTRUCTURE.value,
        blocked=blocked,
        whys=build_whys(world.graph, world.failed, suspect.name, blocked, tail),
        confidence=suspect.confidence,
        reason=suspect.reason,
        origin="path",
        fix=f"Check {suspect.name} itself: its health, capacity and logs (connector instances, NAT ports, "
        "routes); the targets behind it are probably fine.",
    )


def _path_why(suspect: PathSuspect) -> Why:
    statement = f"network path {suspect.name} is the likely break: {suspect.reason}"
    return Why(suspect.name, statement, "inference", "path_heuristic")


def _check_root(world: _World, name: str) -> RootCause:
    result = world.failed[name]
    diagnosis = result.diagnosis
    cause = diagnosis.cause if diagnosis else Cause.UNKNOWN
    blocked = tuple(downstream(world.graph, {name}, world.failed))
    sure = cause is not Cause.UNKNOWN
    return RootCause(
        component=name,
        cause=cause.value,
        layer=(diagnosis.layer if diagnosis else CAUSES[cause].layer).value,
        blocked=blocked,
        whys=build_whys(world.graph, world.failed, name, blocked, ()),
        confidence=Confidence.HIGH if sure else Confidence.LOW,
        reason=f"its own check failed ({cause.value}) and nothing it depends on is failing"
        + ("" if sure else "; the error matched no known signature"),
        origin="check",
        fix=diagnosis.guidance if diagnosis else CAUSES[cause].guidance,
    )
