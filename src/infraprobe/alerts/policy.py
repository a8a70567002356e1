"""Who gets paged, when: pure decisions from the monitor's state changes, one page per root cause.

The monitor's trackers already decide *when* a component is down (flap control) and *what blocks it*
(`Observation.blocked_by`, from the same root-cause analysis as `infraprobe analyze`). This policy turns their
transitions into decisions:

- down: the component opens an incident and pages, listing the dependents its failure blocks. Its page waits
  until each of its dependents has reported once since (they are probed on their own schedules, and the list
  is only complete once each has failed or not), at most `group_wait`. A dependent that goes down blocked by a
  failing dependency does not page: it joins that dependency's incident, or waits up to `group_wait` for it
  to open one, and pages on its own only if none does (its dependency never went down).
- reminder: every `remind_every` while an incident is open.
- recovery: the incident closes and its resolved message goes out, also when the incident was opened before
  a restart (incidents are loaded from the store's ledger), and never a second down page for an open one.

A *suppressor* (`Callable[[component], reason | None]`) holds pages back while it names a reason: a vantage
whose own network path is failing (`vantage_path_failure`) must not page for the targets behind that path.
A component held that way pages once the suppressor lets go, if it is still down by then.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from infraprobe.alerts import message
from infraprobe.configfile.alerts import AlertsSettings
from infraprobe.monitor.state import Observation, State, Transition
from infraprobe.monitor.store.ledger import Incident
from infraprobe.result import Status

Suppressor = Callable[[str], str | None]  # component -> why its pages are held back now (None: they are not)
# Held pages and reminders are looked at this often at most (and at every transition), not per observation:
# a thousand open incidents must not cost a thousand steps per result on the monitor's loop.
TICK = timedelta(milliseconds=100)


@dataclass(frozen=True, slots=True)
class Decision:
    """A change to the ledger, with the page it sends (`event` None: a silent update, no page)."""

    component: str
    incident: Incident | None  # the incident as it now stands; None: closed
    event: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    providers: tuple[str, ...] = ()
    remind_due: datetime | None = None  # a reminder: made only if the incident was last reminded by then
    # To whoever got the incident's down page, read from the ledger when it is saved (`providers` if none is
    # found): a removed component's per-component override went with it.
    as_down_page: bool = False


@dataclass(slots=True)
class _Held:
    transition: Transition
    until: datetime  # when it pages on its own if nothing claimed it before
    # A root's dependents not heard from since it went down: it pages once this is empty. None: only `until`
    # (or its own root's incident opening) releases it.
    waiting_for: set[str] | None = None


class AlertPolicy:
    """Fed every observation (with its transition, if any) and the time; returns what to record and send."""

    def __init__(
        self,
        settings: AlertsSettings,
        incidents: Iterable[Incident] = (),
        *,
        redact: Callable[[str], str] = str,
        suppressors: Iterable[Suppressor] = (),
        depends_on: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.open: dict[str, Incident] = {i.component: i for i in incidents}
        self.held: dict[str, _Held] = {}  # down, not paged yet: waiting for a root's incident or a suppressor
        self.down: dict[str, Transition] = {}  # every component down now, by its transition to down
        self.failing: dict[str, str | None] = {}  # latest result failed -> what blocks it (None: nothing)
        self.suppressors = list(suppressors)
        self.configure(settings, depends_on or {}, redact)
        self._seen: set[str] = set()  # components that report results (an unprobed path never does)
        self._next_tick: datetime | None = None

    def observe(self, obs: Observation, transition: Transition | None, now: datetime) -> list[Decision]:
        self._seen.add(obs.component)
        for held in self.held.values():
            if held.waiting_for is not None:
                held.waiting_for.discard(obs.component)
        if obs.result.status is Status.FAIL:
            self.failing[obs.component] = obs.blocked_by
        else:
            self.failing.pop(obs.component, None)
        if transition is None and self._next_tick is not None and now < self._next_tick:
            return []
        decisions = self._on_transition(transition, now) if transition is not None else []
        return decisions + self.tick(now)

    def tick(self, now: datetime) -> list[Decision]:
        """Pages that are due without a new transition: held components released, reminders."""
        self._next_tick = now + TICK
        return [*self._release(now), *self._reminders(now)]

    def configure(
        self, settings: AlertsSettings, depends_on: Mapping[str, Sequence[str]], redact: Callable[[str], str]
    ) -> None:
        """Settings and dependencies (again, after a config reload); incidents and held pages are kept."""
        self.settings = settings
        self._dependents = _transitive_dependents(depends_on)
        self._redact = redact

    def removed(self, configured: Collection[str], now: datetime) -> list[Decision]:
        """Components no longer in the config: their open incidents close with a recovery naming the state
        `removed` (a pager that resolves on recovery resolves them; nobody is left with a page that never
        ends), and nothing is held or followed for them any more."""
        configured = set(configured)
        for table in (self.held, self.down, self.failing):
            for name in [n for n in table if n not in configured]:
                del table[name]
        self._seen &= set(configured)
        gone = sorted(n for n in self.open if n not in configured)
        return [
            replace(
                self._page(message.RECOVERY, self.open.pop(n), message.REMOVED, now, None), as_down_page=True
            )
            for n in gone
        ]

    def suppressed(self, component: str) -> str | None:
        return next((reason for s in self.suppressors if (reason := s(component))), None)

    # -- transitions ---------------------------------------------------------------------------------

    def _on_transition(self, t: Transition, now: datetime) -> list[Decision]:
        if t.after is State.DOWN:
            self.down[t.component] = t
            if self.settings.enabled(t.component) and t.component not in self.open:
                until = now + timedelta(seconds=self.settings.group_wait)
                self.held[t.component] = _Held(t, until, None if t.blocked_by else self._unknown(t.component))
            return []
        self.down.pop(t.component, None)
        self.held.pop(t.component, None)
        if t.after is State.UNKNOWN or t.component not in self.open:
            return []
        return self._close(t.component, t.after, now)

    def _unknown(self, root: str) -> set[str]:
        """Dependents of `root` whose latest result does not already say they fail because of it."""
        known = {n for n, blocker in self.failing.items() if blocker == root}
        return (self._dependents.get(root, set()) & self._seen) - known

    def _release(self, now: datetime) -> list[Decision]:
        out: list[Decision] = []
        for name, held in list(self.held.items()):
            if self.suppressed(name):
                continue
            root = held.transition.blocked_by
            if root is not None and root in self.open:
                out += self._attach(root, name)
            elif now >= held.until or held.waiting_for == set():
                out.append(self._open(held.transition, now))
            else:
                continue
            del self.held[name]
        return out

    def _reminders(self, now: datetime) -> list[Decision]:
        out = []
        for name, incident in list(self.open.items()):
            every = self.settings.remind_every_for(name)
            last = incident.reminded or incident.opened
            if every and (now - last).total_seconds() >= every:
                self.open[name] = incident = replace(incident, reminded=now)
                page = self._page(message.REMINDER, incident, State.DOWN, now, incident)
                out.append(replace(page, remind_due=now - timedelta(seconds=every)))
        return out

    # -- incidents -----------------------------------------------------------------------------------

    def _open(self, t: Transition, now: datetime) -> Decision:
        blocked = {n for n, root in self.failing.items() if root == t.component}
        blocked |= {n for n, h in self.held.items() if h.transition.blocked_by == t.component}
        incident = Incident(
            t.component, t.at, t.cause, t.layer, self._redact(t.evidence), t.vantage,
            tuple(sorted(blocked - {t.component})), reminded=now,
        )  # fmt: skip
        self.open[t.component] = incident
        return self._page(message.DOWN, incident, State.DOWN, now, incident)

    def _attach(self, root: str, name: str) -> list[Decision]:
        """`name` is down because `root` is: listed in root's incident, no page of its own."""
        incident = self.open[root]
        if name in incident.blocked:
            return []
        self.open[root] = incident = replace(incident, blocked=tuple(sorted({*incident.blocked, name})))
        return [Decision(root, incident)]

    def _close(self, name: str, state: State, now: datetime) -> list[Decision]:
        incident = self.open.pop(name)
        # A dependent still down once its root is back has a failure of its own: it pages after group_wait.
        for dependent in incident.blocked:
            t = self.down.get(dependent)
            if t is not None and dependent not in self.open and self.settings.enabled(dependent):
                until = now + timedelta(seconds=self.settings.group_wait)
                self.held[dependent] = _Held(replace(t, blocked_by=None), until)
        return [self._page(message.RECOVERY, incident, state, now, None)]

    def _page(
        self, event: str, incident: Incident, state: State | str, now: datetime, after: Incident | None
    ) -> Decision:
        doc = message.payload(event, incident, str(state), now)
        return Decision(
            incident.component, after, event, doc, self.settings.providers_for(incident.component)
        )


def _transitive_dependents(depends_on: Mapping[str, Sequence[str]]) -> dict[str, set[str]]:
    """component -> every component that depends on it, directly or through others."""
    direct: dict[str, set[str]] = {}
    for name, deps in depends_on.items():
        for dep in deps:
            direct.setdefault(dep, set()).add(name)
    out: dict[str, set[str]] = {}
    for root, first in direct.items():
        seen: set[str] = set()
        todo = list(first)
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(direct.get(name, ()))
        out[root] = seen
    return out
