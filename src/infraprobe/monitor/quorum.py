"""Several vantages, one verdict: a component's state by quorum, and a broken path told from a broken target.

Pure: `decide(views, rules, now)` takes every vantage's newest view of every component (`View`: its
flap-controlled state and last result) and returns the verdicts and findings; the monitor feeds it from the
shared store (`monitor/vantages.py`) and `history` from the same rows.

- A view counts when its vantage reported the component within the component's freshness window (about one
  interval, see `Rules.fresh`). A vantage with no fresh view that has a state is silent (stopped reporting,
  or just started); the verdict uses the vantages that remain.
- Path finding first: a vantage that sees at least `min_path_targets` components down with a network cause
  (`PATH_CAUSES`) while another fresh vantage sees each of them up has a broken path to them
  (`vantage_path_failure`). Its views of those components are set aside, so no component verdict changes
  because of it.
- Then the quorum over the remaining views that have a state (a vantage still `unknown` has no vote):
  `any` (one vantage seeing it down is enough), `majority` (more than half), `all` (every one). Down takes
  precedence, then degraded (counting down and degraded together), else up; no vote at all is `unknown`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from infraprobe.configfile.vantages import DEFAULT_MIN_PATH_TARGETS
from infraprobe.monitor.state import State, View
from infraprobe.taxonomy import CAUSES, Cause

# Failures that say "the network between here and there", which another vantage can contradict.
PATH_CAUSES = frozenset(
    {Cause.NETWORK_UNREACHABLE, Cause.CONNECT_TIMEOUT, Cause.DNS_FAILURE, Cause.CONNECTION_RESET}
)
DEFAULT_INTERVAL = 60.0  # seconds, for components another vantage checks that this config does not name


class Policy(StrEnum):
    ANY = "any"
    MAJORITY = "majority"
    ALL = "all"

    def met(self, count: int, voters: int) -> bool:
        """Do `count` of `voters` vantages carry the verdict under this policy?"""
        if count == 0:
            return False
        if self is Policy.ANY:
            return True
        return count * 2 > voters if self is Policy.MAJORITY else count == voters


def fresh_window(interval: float, timeout: float) -> timedelta:
    """How old a vantage's last result may be and still count: an interval with its 10% jitter, the check's
    own time, and a few seconds for the store (flushes every 0.5 s) and the reader's refresh."""
    return timedelta(seconds=1.5 * interval + timeout + 3.0)


@dataclass(frozen=True, slots=True)
class Rules:
    policy: Policy = Policy.MAJORITY
    windows: Mapping[str, timedelta] = field(default_factory=dict)  # component -> freshness window
    min_path_targets: int = DEFAULT_MIN_PATH_TARGETS

    def fresh(self, view: View, now: datetime) -> bool:
        window = self.windows.get(view.component) or fresh_window(DEFAULT_INTERVAL, 10.0)
        return now - view.at <= window


@dataclass(frozen=True, slots=True)
class Verdict:
    """A component's state by quorum, and which vantages say what."""

    component: str
    state: State
    policy: Policy
    down: tuple[str, ...] = ()
    degraded: tuple[str, ...] = ()
    up: tuple[str, ...] = ()
    undecided: tuple[str, ...] = ()  # reported, but not enough results yet for a state of their own
    set_aside: tuple[str, ...] = ()  # their path to it is broken (a vantage_path_failure names them)
    cause: str | None = None  # of the first vantage that sees it down (or degraded)
    layer: str | None = None
    evidence: str = ""

    @property
    def voters(self) -> tuple[str, ...]:
        return (*self.down, *self.degraded, *self.up)

    def summary(self) -> str:
        """`down from a, b (2 of 3, majority)`: what the verdict rests on, in a line."""
        if self.state is State.UNKNOWN:
            return "no vantage has a state for it yet"
        seen = {State.DOWN: self.down, State.DEGRADED: (*self.down, *self.degraded), State.UP: self.up}
        names = seen[self.state]
        text = (
            f"{self.state.value} from {', '.join(names)} ({len(names)} of {len(self.voters)}, {self.policy})"
        )
        return text + (f"; set aside: {', '.join(self.set_aside)}" if self.set_aside else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "state": self.state.value,
            "policy": self.policy.value,
            "down": list(self.down),
            "degraded": list(self.degraded),
            "up": list(self.up),
            "undecided": list(self.undecided),
            "set_aside": list(self.set_aside),
            "cause": self.cause,
            "layer": self.layer,
            "evidence": self.evidence,
        }


@dataclass(frozen=True, slots=True)
class PathFinding:
    """One vantage's path is broken: it sees these components down, with network causes, others see them up."""

    vantage: str
    components: tuple[str, ...]
    causes: Mapping[str, int]  # network cause -> how many of the components failed with it
    seen_up_by: tuple[str, ...]

    cause = Cause.VANTAGE_PATH_FAILURE

    @property
    def layer(self) -> str:
        return CAUSES[self.cause].layer.value

    @property
    def guidance(self) -> str:
        return CAUSES[self.cause].guidance

    def evidence(self) -> str:
        causes = ", ".join(f"{c} x{n}" for c, n in sorted(self.causes.items()))
        return (
            f"{self.vantage} sees {len(self.components)} component(s) down ({causes}): "
            f"{', '.join(self.components)}; {', '.join(self.seen_up_by)} see(s) them up"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "cause": self.cause.value,
            "layer": self.layer,
            "vantage": self.vantage,
            "components": list(self.components),
            "causes": dict(self.causes),
            "seen_up_by": list(self.seen_up_by),
            "evidence": self.evidence(),
            "guidance": self.guidance,
        }


# A vantage's suspect views, by component: each with the other vantages that see that component up.
Suspects = dict[str, tuple[View, frozenset[str]]]


@dataclass(frozen=True, slots=True)
class Decision:
    verdicts: Mapping[str, Verdict]
    findings: Mapping[str, PathFinding]  # by vantage
    reporting: frozenset[str]  # vantages with at least one fresh view that has a state: they vote
    silent: frozenset[str]  # vantages known (a view of any age) that do not: stopped, or not started yet
    # What the findings were built from, by vantage: the monitor updates it one component at a time.
    suspects: dict[str, Suspects] = field(default_factory=dict)


def decide(views: Iterable[View], rules: Rules, now: datetime, components: Iterable[str] = ()) -> Decision:
    """Verdicts for `components` (default: every component any view names) and the path findings."""
    views = list(views)
    fresh = [v for v in views if rules.fresh(v, now)]
    by_component: dict[str, list[View]] = defaultdict(list)
    for v in fresh:
        by_component[v.component].append(v)
    suspects = suspect_index(by_component)
    findings = findings_of(suspects, rules.min_path_targets)
    names = list(components) or sorted({v.component for v in views})
    verdicts = {name: verdict(name, by_component.get(name, []), rules.policy, findings) for name in names}
    # Reporting means voting: a fresh view with a state (a vantage just started, still unknown, is not yet).
    reporting = frozenset(v.vantage for v in fresh if v.state is not State.UNKNOWN)
    silent = frozenset(v.vantage for v in views) - reporting
    return Decision(verdicts, findings, reporting, silent, suspects)


def path_findings(by_component: Mapping[str, list[View]], min_targets: int) -> dict[str, PathFinding]:
    return findings_of(suspect_index(by_component), min_targets)


def component_suspects(views: Iterable[View]) -> dict[str, tuple[View, frozenset[str]]]:
    """One component's fresh views: the vantages that see it down with a network cause while another sees it
    up, each with those others. The only input a path finding takes from this component."""
    views = list(views)
    up = frozenset(v.vantage for v in views if v.state is State.UP)
    return {v.vantage: (v, up - {v.vantage}) for v in views if _path_down(v) and up - {v.vantage}}


def suspect_index(by_component: Mapping[str, list[View]]) -> dict[str, Suspects]:
    index: dict[str, Suspects] = defaultdict(dict)
    for name, views in by_component.items():
        for vantage, entry in component_suspects(views).items():
            index[vantage][name] = entry
    return dict(index)


def findings_of(index: Mapping[str, Suspects], min_targets: int) -> dict[str, PathFinding]:
    found = ((vantage, finding_of(vantage, index[vantage], min_targets)) for vantage in sorted(index))
    return {vantage: f for vantage, f in found if f is not None}


def finding_of(vantage: str, suspects: Suspects, min_targets: int) -> PathFinding | None:
    if len(suspects) < min_targets:
        return None
    names = sorted(suspects)
    down = [suspects[name][0] for name in names]
    return PathFinding(
        vantage,
        tuple(names),
        dict(Counter(v.cause for v in down if v.cause)),
        tuple(sorted(frozenset().union(*(up for _, up in suspects.values())))),
    )


def _path_down(view: View) -> bool:
    return view.state is State.DOWN and view.cause in PATH_CAUSES


def verdict(
    component: str, views: list[View], policy: Policy, findings: Mapping[str, PathFinding]
) -> Verdict:
    aside = tuple(sorted(v.vantage for v in views if _set_aside(v, findings)))
    counted = sorted((v for v in views if v.vantage not in aside), key=lambda v: v.vantage)
    down, degraded, up, undecided = (
        _named(counted, s) for s in (State.DOWN, State.DEGRADED, State.UP, State.UNKNOWN)
    )
    voters = len(down) + len(degraded) + len(up)
    if policy.met(len(down), voters):
        state = State.DOWN
    elif policy.met(len(down) + len(degraded), voters):
        state = State.DEGRADED
    else:
        state = State.UP if voters else State.UNKNOWN
    witness = next((v for v in counted if v.state is state and state is not State.UP), None)
    return Verdict(
        component, state, policy, down, degraded, up, undecided, aside,
        witness.cause if witness else None, witness.layer if witness else None,
        witness.evidence if witness else "",
    )  # fmt: skip


def _named(views: list[View], state: State) -> tuple[str, ...]:
    return tuple(v.vantage for v in views if v.state is state)


def _set_aside(view: View, findings: Mapping[str, PathFinding]) -> bool:
    finding = findings.get(view.vantage)
    return finding is not None and view.component in finding.components
