"""Flap control: a component's state changes only after N results in a row say so, and every change is an event.

A result proposes a state (ok -> up, warn -> degraded, fail -> down). Results that are worse than the current
state count towards `failure_threshold`, better ones towards `success_threshold`; a result that agrees with
the current state resets both. When a streak reaches its threshold the component takes the state of the
latest result, and a `Transition` records why: cause code, layer and evidence of the result that decided it,
and the dependency it was blocked by, if any. So one blip pages no one and one success declares no recovery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from infraprobe.result import CheckResult, Status


class Routine(str):
    """A notice that only says the monitor did as it was asked (a config reloaded, removed components' records
    ended): `monitor -q` leaves it out. Errors, vantage events and state changes are plain notices."""

    __slots__ = ()


class State(StrEnum):
    UNKNOWN = "unknown"  # not enough results yet to say
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def of(cls, status: Status) -> State:
        return _OF_STATUS[status]


_RANK = {State.UP: 0, State.DEGRADED: 1, State.DOWN: 2, State.UNKNOWN: -1}
_OF_STATUS = {Status.OK: State.UP, Status.WARN: State.DEGRADED, Status.FAIL: State.DOWN}


@dataclass(frozen=True, slots=True)
class Observation:
    """One result as the monitor saw it: where from (vantage) and what blocked it. The row stores keep."""

    result: CheckResult
    vantage: str
    blocked_by: str | None = None  # the root component whose failure explains this one's
    # The component's flap-controlled state at this vantage once this result counted (the monitor fills
    # these in before recording, so other vantages sharing the store read this vantage's view of it).
    state: State | None = None
    since: datetime | None = None

    @property
    def component(self) -> str:
        return self.result.component

    @property
    def cause(self) -> str | None:
        d = self.result.diagnosis
        return d.cause.value if d else None

    @property
    def layer(self) -> str | None:
        d = self.result.diagnosis
        return d.layer.value if d else None


@dataclass(frozen=True, slots=True)
class Transition:
    """A change of state, with the evidence that decided it. Stores keep these longer than raw results."""

    component: str
    vantage: str
    at: datetime
    before: State
    after: State
    cause: str | None  # the deciding result's cause code (None for a recovery to up)
    layer: str | None
    evidence: str  # the deciding result's evidence, or its message when it has no diagnosis
    blocked_by: str | None = None
    streak: int = 1  # how many results in a row it took

    def to_dict(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "vantage": self.vantage,
            "at": self.at.isoformat(),
            "from": self.before.value,
            "to": self.after.value,
            "cause": self.cause,
            "layer": self.layer,
            "evidence": self.evidence,
            "blocked_by": self.blocked_by,
            "streak": self.streak,
        }


@dataclass(frozen=True, slots=True)
class View:
    """One vantage's latest word on one component: its flap-controlled state and its last result.

    Stores keep one per vantage and component (the newest), which is what a quorum is decided from."""

    vantage: str
    component: str
    state: State
    since: datetime | None  # when that state began at this vantage
    at: datetime  # when its last result started: how fresh this view is
    status: str  # of the last result: ok, warn or fail
    cause: str | None
    layer: str | None
    evidence: str

    @classmethod
    def of(cls, obs: Observation) -> View:
        r, d = obs.result, obs.result.diagnosis
        evidence = (d.evidence or r.message) if d else r.message
        state = obs.state or State.UNKNOWN
        return cls(obs.vantage, r.component, state, obs.since, r.started_at, r.status.value, obs.cause,
                   obs.layer, evidence)  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "vantage": self.vantage,
            "component": self.component,
            "state": self.state.value,
            "since": self.since.isoformat() if self.since else None,
            "last_result_at": self.at.isoformat(),
            "status": self.status,
            "cause": self.cause,
            "layer": self.layer,
            "evidence": self.evidence,
        }


@dataclass(frozen=True, slots=True)
class Thresholds:
    failure: int = 3
    success: int = 2


def _direction(current: State, proposed: State) -> int:
    """+1 when `proposed` is worse; from unknown, anything short of up counts as worse (needs failures)."""
    if current is State.UNKNOWN:
        return -1 if proposed is State.UP else 1
    return 1 if proposed.rank > current.rank else -1


class Tracker:
    """The state machine of one component. Pure: it is fed observations and returns transitions."""

    def __init__(self, component: str, thresholds: Thresholds) -> None:
        self.component = component
        self.thresholds = thresholds
        self.state = State.UNKNOWN
        self.since: datetime | None = None  # when the current state began
        self.last: Observation | None = None
        self._streak = 0
        self._direction = 0  # +1 worse, -1 better, 0 none

    def observe(self, obs: Observation) -> Transition | None:
        self.last = obs
        proposed = State.of(obs.result.status)
        if proposed is self.state:
            self._streak, self._direction = 0, 0
            return None
        direction = _direction(self.state, proposed)
        self._streak = self._streak + 1 if direction == self._direction else 1
        self._direction = direction
        if self._streak < self._needed(direction):
            return None
        return self._change(proposed, obs)

    def _needed(self, direction: int) -> int:
        return self.thresholds.failure if direction > 0 else self.thresholds.success

    def _change(self, after: State, obs: Observation) -> Transition:
        result = obs.result
        d = result.diagnosis
        transition = Transition(
            component=self.component,
            vantage=obs.vantage,
            at=result.started_at,
            before=self.state,
            after=after,
            cause=d.cause.value if d else None,
            layer=d.layer.value if d else None,
            evidence=(d.evidence or result.message) if d else result.message,
            blocked_by=obs.blocked_by if after is State.DOWN else None,
            streak=self._streak,
        )
        self.state, self.since = after, result.started_at
        self._streak, self._direction = 0, 0
        return transition
