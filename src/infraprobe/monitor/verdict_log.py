"""The quorum over time: what the store keeps of it, and how `history` reads it back.

Every monitor sharing a store decides the same verdicts and sees the same vantages come and go, so each one
records what it decided: its verdict changes (`VerdictChange`, with the vantages that saw what) and its
vantage events (`VantageEvent`: a path finding opened, widened or closed; a vantage silent or back). Reading
them back is a fold over one timeline, all monitors together, oldest first (`quorum_incidents`,
`vantage_periods`): the first monitor to record a change dates it, and the same change recorded by the others
is a repeat that changes nothing. A monitor that stopped is overruled by the next change another one records.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from infraprobe.monitor.quorum import PathFinding, Verdict
from infraprobe.monitor.state import State, Tracker, Transition

REMOVED = "removed from config"  # the evidence of a change that ends a component's record when it is removed
# A path finding formed again this soon after it ended continues the period before it (flap control): as a
# broken route comes back its targets recover one by one, and the first one back can end the finding while
# the others, still down, form it again within a second or so.
PATH_REFORM_GRACE = timedelta(seconds=5)


class EventKind(StrEnum):
    PATH_FAILURE = "path_failure"
    PATH_CHANGED = "path_changed"  # the finding names other components now: recorded, not announced
    PATH_RECOVERED = "path_recovered"
    SILENT = "silent"
    REPORTING = "reporting"

    @property
    def topic(self) -> str:
        """What the event opens or closes: a vantage's `path_failure`, or its silence."""
        return "silent" if self in (EventKind.SILENT, EventKind.REPORTING) else "path_failure"

    @property
    def opens(self) -> bool:
        return self in (EventKind.PATH_FAILURE, EventKind.PATH_CHANGED, EventKind.SILENT)


@dataclass(frozen=True, slots=True)
class VantageEvent:
    """Something happened to a vantage rather than to a component, as `reported_by` saw it."""

    kind: EventKind
    vantage: str
    at: datetime
    message: str
    finding: PathFinding | None = None
    reported_by: str = ""

    @property
    def said(self) -> bool:
        """Announced as a line (a finding that only widened is recorded, not said again)."""
        return self.kind is not EventKind.PATH_CHANGED

    def to_dict(self) -> dict[str, Any]:
        return {
            "event": self.kind.value,
            "vantage": self.vantage,
            "at": self.at.isoformat(),
            "message": self.message,
            "finding": self.finding.to_dict() if self.finding else None,
            "reported_by": self.reported_by,
        }


@dataclass(frozen=True, slots=True)
class VerdictChange:
    """A change of a component's quorum verdict, decided by the monitor named `transition.vantage`."""

    transition: Transition
    policy: str
    down: tuple[str, ...] = ()
    degraded: tuple[str, ...] = ()
    up: tuple[str, ...] = ()
    set_aside: tuple[str, ...] = ()

    @classmethod
    def of(cls, transition: Transition, verdict: Verdict | None) -> VerdictChange:
        if verdict is None:  # no quorum behind it (a component removed from the config)
            return cls(transition, "")
        return cls(
            transition, verdict.policy.value, verdict.down, verdict.degraded, verdict.up, verdict.set_aside
        )

    @property
    def component(self) -> str:
        return self.transition.component

    @property
    def at(self) -> datetime:
        return self.transition.at


@dataclass(frozen=True, slots=True)
class QuorumIncident:
    """A down period of a component's verdict across vantages."""

    component: str
    start: datetime
    end: datetime | None  # None: still down
    cause: str | None
    layer: str | None
    evidence: str
    down_from: tuple[str, ...]  # the vantages that saw it down when it began
    decided_by: tuple[str, ...]  # the monitors that recorded it
    end_note: str = ""  # why it ended without a recovery (removed from config, set aside by a path finding)

    def duration(self, now: datetime) -> timedelta:
        return (self.end or now) - self.start

    def to_dict(self, now: datetime) -> dict[str, Any]:
        return {
            "component": self.component,
            **period_dict(self.start, self.end, now),
            "cause": self.cause,
            "layer": self.layer,
            "evidence": self.evidence,
            "down_from": list(self.down_from),
            "decided_by": list(self.decided_by),
            "end_note": self.end_note,
        }


@dataclass(frozen=True, slots=True)
class VantagePeriod:
    """A vantage's path failure, or its silence, from when it began to when it ended."""

    vantage: str
    topic: str  # path_failure | silent
    start: datetime
    end: datetime | None
    components: tuple[str, ...] = ()  # path_failure: every component the finding named while it lasted
    causes: Mapping[str, int] = field(default_factory=dict)
    seen_up_by: tuple[str, ...] = ()
    reported_by: tuple[str, ...] = ()

    def duration(self, now: datetime) -> timedelta:
        return (self.end or now) - self.start

    def to_dict(self, now: datetime) -> dict[str, Any]:
        return {
            "vantage": self.vantage,
            "event": self.topic,
            **period_dict(self.start, self.end, now),
            "components": list(self.components),
            "causes": dict(self.causes),
            "seen_up_by": list(self.seen_up_by),
            "reported_by": list(self.reported_by),
        }


def removed(tracker: Tracker | None, vantage: str, now: datetime) -> Transition | None:
    """The change that ends a removed component's record (its state, known or not, to unknown); None when
    there is nothing to end."""
    if tracker is None or tracker.state is State.UNKNOWN:
        return None
    return _end(tracker.component, tracker.state, vantage, now)


def stale_records(
    own: Iterable[Transition],
    verdicts: Iterable[VerdictChange],
    configured: Collection[str],
    vantage: str,
    now: datetime,
) -> tuple[list[Transition], list[VerdictChange]]:
    """At start: the last changes of components the config no longer has (the store's latest per component,
    this vantage's own and the verdict's) that left them in a state; the changes that end them. Run again,
    it finds nothing: their last change is then the removal."""
    names = set(configured)
    ends = [
        _end(t.component, t.after, vantage, now)
        for t in own
        if t.vantage == vantage and t.component not in names and t.after is not State.UNKNOWN
    ]
    verdict_ends = [
        VerdictChange.of(_end(v.component, v.transition.after, vantage, now), None)
        for v in verdicts
        if v.component not in names and v.transition.after is not State.UNKNOWN
    ]
    return ends, verdict_ends


def _end(component: str, state: State, vantage: str, now: datetime) -> Transition:
    return Transition(component, vantage, now, state, State.UNKNOWN, None, None, REMOVED)


def period_dict(start: datetime, end: datetime | None, now: datetime) -> dict[str, Any]:
    """start, end (None: still going) and duration in seconds: how every period reads in JSON."""
    return {
        "start": start.isoformat(),
        "end": end.isoformat() if end else None,
        "duration_s": round(((end or now) - start).total_seconds(), 3),
    }


def quorum_incidents(changes: Iterable[VerdictChange], since: datetime) -> list[QuorumIncident]:
    """Down periods of the verdict, oldest first; one begun before `since` is kept if it lasted into it."""
    state: dict[str, State] = {}
    open_: dict[str, QuorumIncident] = {}
    out: list[QuorumIncident] = []
    for c in sorted(changes, key=lambda c: c.at):
        name, t = c.component, c.transition
        began = open_.get(name)
        if began is not None:
            open_[name] = replace(began, decided_by=_with(began.decided_by, t.vantage))
        if state.get(name) is t.after:
            continue  # the same change, recorded by another monitor
        state[name] = t.after
        if t.after is State.DOWN and began is None:
            open_[name] = QuorumIncident(name, t.at, None, t.cause, t.layer, t.evidence, c.down, (t.vantage,))
        elif t.after is not State.DOWN and began is not None:
            note = _why_ended(began, c)
            out.append(replace(open_.pop(name), end=t.at, end_note=note))
    out.extend(open_.values())
    return sorted((i for i in out if i.end is None or i.end >= since), key=lambda i: i.start)


def _why_ended(incident: QuorumIncident, end: VerdictChange) -> str:
    """An end that is not a recovery: the component was removed, or the vantages that saw it down were set
    aside by a path finding (under `any`, the moment before the finding formed was a verdict of down)."""
    if end.transition.evidence == REMOVED:
        return REMOVED
    aside = [v for v in incident.down_from if v in end.set_aside]
    return f"set aside: path failure of {', '.join(aside)}" if aside else ""


def vantage_periods(events: Iterable[VantageEvent], since: datetime) -> list[VantagePeriod]:
    """Path failures and silences per vantage, oldest first, from every monitor's events together; a path
    failure that forms again within PATH_REFORM_GRACE of its end is the same period."""
    open_: dict[tuple[str, str], VantagePeriod] = {}
    ended: dict[tuple[str, str], VantagePeriod] = {}  # the last period of each key that ended
    out: list[VantagePeriod] = []
    for e in sorted(events, key=lambda e: e.at):
        key = (e.vantage, e.kind.topic)
        began, last = open_.get(key), ended.get(key)
        if began is None and last is not None and _continues(last, e):
            out.remove(last)  # not a new period: the one that ended, open again
            began = replace(last, end=None)
        if e.kind.opens:
            open_[key] = _widened(began or VantagePeriod(e.vantage, key[1], e.at, None), e)
        elif began is not None:
            del open_[key]
            ended[key] = replace(began, end=e.at, reported_by=_with(began.reported_by, e.reported_by))
            out.append(ended[key])
    out.extend(open_.values())
    return sorted((p for p in out if p.end is None or p.end >= since), key=lambda p: p.start)


def _continues(last: VantagePeriod, e: VantageEvent) -> bool:
    """Whether `e` is the path failure that ended as `last` forming again within PATH_REFORM_GRACE."""
    if last.end is None or not e.kind.opens or last.topic != "path_failure":
        return False
    return e.at - last.end <= PATH_REFORM_GRACE


def _widened(period: VantagePeriod, e: VantageEvent) -> VantagePeriod:
    f = e.finding
    if f is None:
        return replace(period, reported_by=_with(period.reported_by, e.reported_by))
    causes = dict(period.causes)
    for cause, n in f.causes.items():
        causes[cause] = max(causes.get(cause, 0), n)
    return replace(
        period,
        components=tuple(sorted({*period.components, *f.components})),
        causes=causes,
        seen_up_by=tuple(sorted({*period.seen_up_by, *f.seen_up_by})),
        reported_by=_with(period.reported_by, e.reported_by),
    )


def _with(names: tuple[str, ...], name: str) -> tuple[str, ...]:
    return names if not name or name in names else (*names, name)
