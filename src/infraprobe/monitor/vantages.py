"""The monitor's side of the quorum: its own views live, the other vantages' read from the shared store.

    quorum = Quorum("eu-1", Policy.MAJORITY, peers=open_store(url))   # a second connection: reads only
    Monitor(loaded, recorder=recorder, vantage="eu-1", quorum=quorum)

The monitor keeps its own flap-controlled `Tracker` per component (recorded as this vantage's history). With a
`Quorum`, what its listeners receive is the verdict instead: `observed(obs, tracker, transition)` carries the
component's quorum tracker (state, since, last result) and a `Transition` when the *verdict* changes, so alerts
driven from transitions page on the verdict, and a vantage whose path broke pages no one. Changes of the
vantages themselves (a path finding opened or closed, a vantage silent or back) are `VantageEvent`s, given to
listeners that implement `vantage_event` and, as a line, to every listener's `notice`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from infraprobe.clock import Clock, SystemClock
from infraprobe.config.model import ComponentBase
from infraprobe.configfile.vantages import DEFAULT_MIN_PATH_TARGETS
from infraprobe.monitor.quorum import (
    DEFAULT_INTERVAL,
    PATH_CAUSES,
    Decision,
    PathFinding,
    Policy,
    Rules,
    Verdict,
    component_suspects,
    decide,
    finding_of,
    fresh_window,
    verdict,
)
from infraprobe.monitor.state import Observation, State, Thresholds, Tracker, Transition, View
from infraprobe.monitor.store.base import Store, StoreUnavailable
from infraprobe.monitor.verdict_log import EventKind, VantageEvent, VerdictChange

if TYPE_CHECKING:
    from infraprobe.configfile.vantages import VantagesSettings

# Seconds between two reads of the other vantages' views: a quarter of the shortest interval, within these
# bounds. Reading costs ~25 us per view (bench/bench_quorum.py), so 10,000 components x 3 vantages at 60 s
# intervals read every 15 s cost about 1% of a core; a view stays fresh for 1.5 intervals, far longer.
REFRESH_BOUNDS = (1.0, 15.0)


_Event = tuple[EventKind, str, str, PathFinding | None]  # kind, vantage, message, finding


@runtime_checkable
class VantageListener(Protocol):
    """A listener that wants vantage events as values (alerts: a path finding suppresses component alerts)."""

    def vantage_event(self, event: VantageEvent) -> None: ...


@dataclass(frozen=True, slots=True)
class Change:
    """What listeners are told: the verdict's tracker, the latest own observation, the change if any (and,
    for a change of the verdict, who saw what: what the store keeps of it)."""

    obs: Observation
    tracker: Tracker
    transition: Transition | None
    verdict: VerdictChange | None = None


class Quorum:
    def __init__(
        self,
        vantage: str,
        policy: Policy | None = None,  # None: the config's `vantages.quorum` (default majority)
        *,
        peers: Store | None = None,
        min_path_targets: int | None = None,  # None: the config's `vantages.path_failure.min_targets`
        refresh_every: float | None = None,  # None: from the components' intervals (REFRESH_BOUNDS)
        clock: Clock | None = None,
    ) -> None:
        self.vantage, self.peers = vantage, peers
        self._fixed_policy, self._fixed_min_targets = policy, min_path_targets
        self.policy = policy or Policy.MAJORITY
        self._fixed_refresh = refresh_every
        self.refresh_every = refresh_every or REFRESH_BOUNDS[0]
        self.trackers: dict[str, Tracker] = {}  # the verdict per component, read like a local tracker
        self.verdicts: dict[str, Verdict] = {}
        self.decision = Decision({}, {}, frozenset(), frozenset())
        self._clock = clock or SystemClock()
        self._min_path_targets = min_path_targets or DEFAULT_MIN_PATH_TARGETS
        self._rules = Rules(self.policy, {}, self._min_path_targets)
        self._own: dict[str, tuple[Observation, View]] = {}
        self._peer_views: list[View] = []
        self._peer_index: dict[str, list[View]] = {}  # by component: one result redoes one verdict cheaply
        self._peers_down = False

    def configure(
        self, components: Sequence[ComponentBase], settings: VantagesSettings | None = None
    ) -> None:
        """Follow the monitor's config: freshness windows from each component's interval and timeout, and
        the `vantages:` section where the constructor left a setting open (a command-line flag wins)."""
        windows = {c.name: fresh_window(c.interval, c.timeout) for c in components}
        shortest = min((c.interval for c in components), default=REFRESH_BOUNDS[0])
        self.refresh_every = self._fixed_refresh or min(
            max(shortest / 4, REFRESH_BOUNDS[0]), REFRESH_BOUNDS[1]
        )
        self.policy = self._fixed_policy or Policy(settings.quorum if settings else Policy.MAJORITY)
        self._min_path_targets = self._fixed_min_targets or (
            settings.path_failure.min_targets if settings else DEFAULT_MIN_PATH_TARGETS
        )
        self._rules = Rules(self.policy, windows, self._min_path_targets)
        for c in components:
            self.trackers.setdefault(
                c.name, Tracker(c.name, Thresholds(c.failure_threshold, c.success_threshold))
            )
        for name in [n for n in self.trackers if n not in windows]:
            del self.trackers[name]
            self.verdicts.pop(name, None)
            self._own.pop(name, None)

    def forget(self, names: Sequence[str]) -> None:
        """Components whose definition changed (or that are gone) start over, as their own trackers do."""
        for name in names:
            self.trackers.pop(name, None)
            self.verdicts.pop(name, None)
            self._own.pop(name, None)
            for suspects in self.decision.suspects.values():
                suspects.pop(name, None)

    # -- from the monitor ----------------------------------------------------------------------------

    def local(
        self, obs: Observation, transition: Transition | None
    ) -> tuple[list[Change], list[VantageEvent]]:
        """An own result (with this vantage's state filled in): the verdicts it changes, and always a
        `Change` for its own component, so listeners see every result as they do without a quorum."""
        name = obs.component
        self._own[name] = (obs, View.of(obs))
        if name not in self.trackers:
            return [], []
        # An own result can open or close a path finding (and so move other components' verdicts) only while
        # another vantage reports: a finding needs one that sees the component up. Even then only this
        # component's part of the findings is redone, and only the verdicts whose set-aside views that moves:
        # deciding every component on each own change cost O(components) per transition (10,000 components:
        # ~90% of the monitor's CPU while their first transitions came in, and minutes of schedule lag). Time
        # alone (views going stale) is caught up at the next read of the others, which redoes everything.
        if self._peer_views:
            changes, events = self._decide_around(name, transition)
        else:
            changes, events = self._decide_one(name, transition), []
        if not any(c.obs is obs for c in changes):
            changes.append(Change(obs, self.trackers[name], None))
        return changes, events

    def refreshed(self, peer_views: Sequence[View]) -> tuple[list[Change], list[VantageEvent]]:
        """New views of the other vantages, read from the store."""
        peers = [v for v in peer_views if v.vantage != self.vantage]
        if not peers and not self._peer_views:
            return [], []  # alone before and now: `local` keeps every verdict current
        self._peer_views = peers
        self._peer_index = {}
        for v in self._peer_views:
            self._peer_index.setdefault(v.component, []).append(v)
        return self._decide(None)

    async def read_peers(
        self, on_update: Callable[[list[Change], list[VantageEvent], str | None], None]
    ) -> None:
        """Read the other vantages' views every `refresh_every` s until cancelled (the read runs in a thread:
        the event loop never waits for the store). `on_update` also gets a notice when the store comes and goes;
        while it is away the views last read age, and their vantages fall silent."""
        assert self.peers is not None
        while True:
            try:
                views = await asyncio.to_thread(self.peers.views, self._read_since())
            except Exception as exc:  # any failure, not only an outage: reading must never end for good
                if not self._peers_down:
                    why = str(exc) if isinstance(exc, StoreUnavailable) else f"{type(exc).__name__}: {exc}"
                    on_update(
                        [],
                        [],
                        f"cannot read the other vantages' views ({why.splitlines()[0]}); using the last read",
                    )
                self._peers_down = True
            else:
                note = "the other vantages' views are readable again" if self._peers_down else None
                self._peers_down = False
                on_update(*self.refreshed(views), note)
            await asyncio.sleep(self.refresh_every)

    def path_reason(self, component: str) -> str | None:
        """Why pages for `component` are held back now, or None (an alerts suppressor): a vantage's path to
        it is failing, or may be. The verdict already sets a failing path aside; this also holds a page
        already pending, and one whose down verdict a path finding could still overturn (`path_suspect`)."""
        finding = next((f for f in self.decision.findings.values() if component in f.components), None)
        if finding is not None:
            return f"vantage_path_failure: {finding.evidence()}"
        return self.path_suspect(component)

    def path_suspect(self, component: str) -> str | None:
        """A down verdict that rests only on network causes while another vantage sees the component up is
        what a path finding looks like before its second component fails (under `any`, the first one decides
        the verdict alone). Held for `path_wait`: the time the vantage's other components take to fail too."""
        verdict, tracker = self.verdicts.get(component), self.trackers.get(component)
        if verdict is None or tracker is None or verdict.state is not State.DOWN or not verdict.up:
            return None
        causes = {v.vantage: v.cause for v in self._views_of(component)}
        if any(causes.get(name) not in PATH_CAUSES for name in verdict.down):
            return None
        now, wait = self._clock.now(), self.path_wait(component)
        if tracker.since is None or now - tracker.since >= wait:
            return None
        return (
            f"held up to {wait.total_seconds():g}s for a possible vantage_path_failure: "
            f"{', '.join(verdict.down)} see(s) it down ({verdict.cause}), {', '.join(verdict.up)} up"
        )

    def path_wait(self, component: str) -> timedelta:
        """How long a path finding takes to form at most: the vantage's other components fail within one
        freshness window of this one, and this monitor reads another vantage's views a refresh later."""
        window = self._rules.windows.get(component) or fresh_window(DEFAULT_INTERVAL, 10.0)
        return window + timedelta(seconds=self.refresh_every)

    def _views_of(self, component: str) -> list[View]:
        own = self._own.get(component)
        return [*self._peer_index.get(component, ()), *((own[1],) if own else ())]

    def _read_since(self) -> datetime:
        """Views older than twice the longest freshness window are left in the store: a vantage (or a component)
        gone that long was announced silent already, and reading it again every time costs (~25 us a view)."""
        longest = max(self._rules.windows.values(), default=fresh_window(DEFAULT_INTERVAL, 10.0))
        return self._clock.now() - 2 * longest

    # -- deciding ------------------------------------------------------------------------------------

    def _views(self) -> list[View]:
        return [*self._peer_views, *(view for _, view in self._own.values())]

    def _decide_one(self, name: str, local: Transition | None = None) -> list[Change]:
        now = self._clock.now()
        change = self._apply(self._verdict_now(name, now), now, local)
        return [change] if change else []

    def _decide(self, local: Transition | None) -> tuple[list[Change], list[VantageEvent]]:
        now = self._clock.now()
        before = self.decision
        self.decision = decide(self._views(), self._rules, now, self.trackers)
        changes = [
            c for name in self.trackers if (c := self._apply(self.decision.verdicts[name], now, local))
        ]
        return changes, self._events(before, self.decision, now)

    def _decide_around(self, name: str, local: Transition | None) -> tuple[list[Change], list[VantageEvent]]:
        """`_decide` for one own change of `name`: the same verdicts and findings, redoing only `name`'s
        suspects, the findings of the vantages they touch, and the verdicts of `name` and of the components
        those findings gained or lost (the only ones whose set-aside views moved)."""
        now, before = self._clock.now(), self.decision
        index = before.suspects  # updated in place: `before` is kept for its findings only
        old = {vantage: suspects.pop(name) for vantage, suspects in index.items() if name in suspects}
        new = component_suspects(v for v in self._views_of(name) if self._rules.fresh(v, now))
        for vantage, entry in new.items():
            index.setdefault(vantage, {})[name] = entry
        # A finding reads a suspect's cause and who sees it up, not its time: most results touch none.
        touched = {v for v in old.keys() | new.keys() if _gist(old.get(v)) != _gist(new.get(v))}
        findings = dict(before.findings)
        affected = {name}
        for vantage in touched:
            found = finding_of(vantage, index[vantage], self._rules.min_path_targets)
            was = findings.pop(vantage, None)
            if found is not None:
                findings[vantage] = found
            affected |= set(was.components if was else ()) ^ set(found.components if found else ())
        findings = dict(sorted(findings.items()))
        self.decision = Decision(self.verdicts, findings, before.reporting, before.silent, index)
        changes = [
            change
            for component in sorted(affected)
            if component in self.trackers
            and (change := self._apply(self._verdict_now(component, now), now, local))
        ]
        return changes, self._events(before, self.decision, now)

    def _verdict_now(self, name: str, now: datetime) -> Verdict:
        views = [v for v in self._views_of(name) if self._rules.fresh(v, now)]
        return verdict(name, views, self.policy, self.decision.findings)

    def _apply(self, verdict: Verdict, now: datetime, local: Transition | None) -> Change | None:
        name = verdict.component
        self.verdicts[name] = verdict
        tracker, (own, _) = self.trackers[name], self._own.get(name, (None, None))
        if own is None:
            return None  # no result of our own yet: listeners hear of it with the first one
        tracker.last = own
        if verdict.state is tracker.state or verdict.state is State.UNKNOWN:
            return None
        mine = (
            local if local is not None and local.component == name and local.after is verdict.state else None
        )
        transition = _verdict_transition(verdict, tracker, now, self.vantage, own, mine)
        tracker.state, tracker.since = verdict.state, transition.at
        return Change(own, tracker, transition, VerdictChange.of(transition, verdict))

    def _events(self, before: Decision, after: Decision, now: datetime) -> list[VantageEvent]:
        return [
            VantageEvent(kind, vantage, now, message, finding, self.vantage)
            for kind, vantage, message, finding in [
                *self._path_events(before, after),
                *self._presence_events(before, after),
            ]
        ]

    def _path_events(self, before: Decision, after: Decision) -> list[_Event]:
        events: list[_Event] = []
        for v, f in after.findings.items():
            was = before.findings.get(v)
            if was is None:
                events.append((EventKind.PATH_FAILURE, v, f"vantage_path_failure: {f.evidence()}", f))
            elif was.components != f.components:
                events.append((EventKind.PATH_CHANGED, v, f"vantage_path_failure: {f.evidence()}", f))
        events += [
            (EventKind.PATH_RECOVERED, v, f"path from {v} recovered: it sees its targets again", None)
            for v in before.findings
            if v not in after.findings
        ]
        return events

    def _presence_events(self, before: Decision, after: Decision) -> list[_Event]:
        events: list[_Event] = [
            (EventKind.SILENT, v, f"vantage {v} stopped reporting; verdicts use the others", None)
            for v in sorted(after.silent - before.silent)
            if v in before.reporting and v != self.vantage  # a monitor does not announce its own silence
        ]
        events += [
            (
                EventKind.REPORTING,
                v,
                f"vantage {v} reporting" + (" again" if v in before.silent else ""),
                None,
            )
            for v in sorted(after.reporting - before.reporting)
            if v != self.vantage  # the first sight of another vantage too: until then this one decided alone
        ]
        return events


def _gist(suspect: tuple[View, frozenset[str]] | None) -> tuple[str | None, frozenset[str]] | None:
    return None if suspect is None else (suspect[0].cause, suspect[1])


def _verdict_transition(
    verdict: Verdict, tracker: Tracker, now: datetime, vantage: str, own: Observation, mine: Transition | None
) -> Transition:
    """The verdict's change. Alone (or when this vantage's own change decided it) it is that change, with
    the vantages named when more than one voted; otherwise it is dated now, with the first witness's cause."""
    voted = f" [{verdict.summary()}]" if len(verdict.voters) > 1 else ""
    if mine is not None:
        return Transition(
            mine.component, vantage, mine.at, tracker.state, verdict.state, mine.cause, mine.layer,
            mine.evidence + voted, mine.blocked_by, mine.streak,
        )  # fmt: skip
    # A verdict up (or unknown) has no witness, so no cause, layer or evidence: its summary says why.
    evidence = f"{verdict.evidence}{voted}" if verdict.evidence else verdict.summary()
    blocked = own.blocked_by if verdict.state is State.DOWN and vantage in verdict.down else None
    return Transition(
        verdict.component, vantage, now, tracker.state, verdict.state, verdict.cause, verdict.layer, evidence,
        blocked, 1,
    )  # fmt: skip
