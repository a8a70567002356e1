"""Reading history back: uptime and latency per window, incidents with cause and duration, cause breakdown.

Pure over a `Store`: `summarize(store, now)` reads roll-ups (so a 30-day window costs the same as an hour)
and transitions, and returns plain frozen values that `views/history.py` turns into a report.

- uptime: the share of results that were not failures (ok or warn), from every vantage;
- latency p50/p95/p99: from the roll-ups' log histograms, as the upper bound of the bucket (within ~26%);
- incidents: down periods from the transitions, with the cause, layer and evidence of the change that
  opened them and what blocked them; an incident still open has no end;
- per vantage: the same window figures for each vantage apart, each vantage's newest view of each component,
  and the quorum verdict decided from those views now (`monitor.quorum`), with any path finding;
- the quorum over time: the verdict's own down periods and the vantages' path failures and silences, from
  what the monitors recorded (`monitor.verdict_log`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from infraprobe.monitor.quorum import Decision, Policy, Rules, decide
from infraprobe.monitor.state import State, Transition, View
from infraprobe.monitor.store.base import Retention, Rollup, Store
from infraprobe.monitor.store.rollup import RESOLUTIONS, Sums, floor_to, percentile
from infraprobe.monitor.verdict_log import (
    REMOVED,
    QuorumIncident,
    VantageEvent,
    VantagePeriod,
    period_dict,
    quorum_incidents,
    vantage_periods,
)

DEFAULT_RETENTION = Retention()
WINDOWS: tuple[tuple[str, timedelta], ...] = (
    ("1h", timedelta(hours=1)),
    ("24h", timedelta(hours=24)),
    ("7d", timedelta(days=7)),
    ("30d", timedelta(days=30)),
)


@dataclass(frozen=True, slots=True)
class WindowStats:
    component: str
    window: str
    total: int
    uptime: float | None  # 0..1; None when there is no result in the window
    p50: float | None
    p95: float | None
    p99: float | None
    blocked: int
    causes: dict[str, int]
    vantage: str | None = None  # None: every vantage together

    def to_dict(self) -> dict[str, Any]:
        ms = {
            k: None if v is None else round(v * 1000, 3)
            for k, v in (("p50", self.p50), ("p95", self.p95), ("p99", self.p99))
        }
        return {
            "component": self.component,
            "window": self.window,
            "results": self.total,
            "uptime": self.uptime,
            **{f"{k}_ms": v for k, v in ms.items()},
            "blocked": self.blocked,
            "causes": self.causes,
            **({"vantage": self.vantage} if self.vantage else {}),
        }


@dataclass(frozen=True, slots=True)
class QuorumNow:
    """The verdict now across vantages, from each vantage's newest view of each component."""

    policy: Policy
    views: tuple[View, ...]
    decision: Decision

    @property
    def vantages(self) -> tuple[str, ...]:
        return tuple(sorted({v.vantage for v in self.views}))

    def last_report(self, vantage: str) -> datetime | None:
        return max((v.at for v in self.views if v.vantage == vantage), default=None)

    def to_dict(self) -> dict[str, Any]:
        per_vantage: dict[str, list[dict[str, Any]]] = {}
        for v in self.views:
            per_vantage.setdefault(v.component, []).append(v.to_dict())
        return {
            "policy": self.policy.value,
            "verdicts": {name: v.to_dict() for name, v in self.decision.verdicts.items()},
            "per_vantage": per_vantage,
            "findings": [f.to_dict() for f in self.decision.findings.values()],
            "vantages": [
                {
                    "vantage": name,
                    "reporting": name in self.decision.reporting,
                    "last_result_at": _iso(self.last_report(name)),
                }
                for name in self.vantages
            ],
        }


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


@dataclass(frozen=True, slots=True)
class Incident:
    """A down period of one component seen from one vantage."""

    component: str
    vantage: str
    start: datetime
    end: datetime | None  # None: still down
    cause: str | None
    layer: str | None
    evidence: str
    blocked_by: str | None
    end_note: str = ""  # why it ended without a recovery (removed from config)

    def duration(self, now: datetime) -> timedelta:
        return (self.end or now) - self.start

    def to_dict(self, now: datetime) -> dict[str, Any]:
        return {
            "component": self.component,
            "vantage": self.vantage,
            **period_dict(self.start, self.end, now),
            "cause": self.cause,
            "layer": self.layer,
            "evidence": self.evidence,
            "blocked_by": self.blocked_by,
            "end_note": self.end_note,
        }


@dataclass(frozen=True, slots=True)
class History:
    now: datetime
    windows: tuple[str, ...]
    stats: tuple[WindowStats, ...]
    incidents: tuple[Incident, ...]
    current: dict[str, Transition] = field(default_factory=dict)  # component -> its latest change
    by_vantage: tuple[WindowStats, ...] = ()  # the window figures of each vantage apart
    quorum: QuorumNow | None = None
    quorum_incidents: tuple[QuorumIncident, ...] = ()  # down periods of the verdict across vantages
    vantage_periods: tuple[VantagePeriod, ...] = ()  # path failures and silences of the vantages

    def causes(self, window: str) -> Counter[str]:
        total: Counter[str] = Counter()
        for s in self.stats:
            if s.window == window:
                total.update(s.causes)
        return total

    def to_dict(self) -> dict[str, Any]:
        return {
            "generated_at": self.now.isoformat(),
            "windows": list(self.windows),
            "components": [s.to_dict() for s in self.stats],
            "incidents": [i.to_dict(self.now) for i in self.incidents],
            "causes": {w: dict(self.causes(w).most_common()) for w in self.windows},
            "current": {c: t.to_dict() for c, t in self.current.items()},
            "by_vantage": [s.to_dict() for s in self.by_vantage],
            "quorum": self.quorum.to_dict() if self.quorum else None,
            "quorum_incidents": [i.to_dict(self.now) for i in self.quorum_incidents],
            "vantage_events": [p.to_dict(self.now) for p in self.vantage_periods],
        }


Part = tuple[int, datetime, datetime]  # resolution, start, end


def plan(since: datetime, now: datetime, retention: Retention = DEFAULT_RETENTION) -> list[Part]:
    """Cover [since, now) with few buckets: fine ones at the window's start edge, days in the middle.

    A 30-day window reads hours up to the first midnight and days after it (about 50 rows per component,
    not 720 hours), and is exact at its start wherever the finer roll-ups are still kept.
    """
    usable = [r for r in RESOLUTIONS if now - retention.of_resolution(r) <= since] or [RESOLUTIONS[-1]]
    parts: list[Part] = []
    cursor = since
    for i, resolution in enumerate(usable):
        coarser = usable[i + 1] if i + 1 < len(usable) else None
        end = min(now, ceil_to(cursor, coarser)) if coarser else now
        if end > cursor:
            parts.append((resolution, cursor, end))
        cursor = end
    return parts


def ceil_to(at: datetime, resolution: int) -> datetime:
    floor = floor_to(at, resolution)
    return floor if floor == at else floor + timedelta(seconds=resolution)


def summarize(
    store: Store,
    now: datetime,
    *,
    windows: Sequence[tuple[str, timedelta]] = WINDOWS,
    components: Sequence[str] = (),
    vantage: str | None = None,
    rules: Rules | None = None,
) -> History:
    """History as seen from every vantage together, or from `vantage` only; `rules` decide the quorum now."""
    mine = (lambda row: row.vantage == vantage) if vantage else (lambda row: True)
    stats: list[WindowStats] = []
    by_vantage: list[WindowStats] = []
    for label, span in windows:
        rollups = [r for r in _window_rollups(store, now - span, now, components) if mine(r)]
        stats.extend(window_stats(label, rollups, components))
        by_vantage.extend(vantage_stats(label, rollups))
    start = now - max(span for _, span in windows)
    transitions = [t for t in store.transitions(start, None, components) if mine(t)]
    verdicts = [v for v in store.verdict_transitions(start, None, components) if mine(v.transition)]
    events = [e for e in store.vantage_events(start) if not vantage or e.vantage == vantage]
    return History(
        now,
        tuple(label for label, _ in windows),
        tuple(stats),
        tuple(incidents(transitions, start)),
        {t.component: t for t in transitions},
        tuple(by_vantage),
        quorum_now(store, now, rules or Rules(), components, mine),
        tuple(quorum_incidents(verdicts, start)),
        tuple(vantage_periods((e for e in events if not components or _about(e, components)), start)),
    )


def _about(event: VantageEvent, components: Sequence[str]) -> bool:
    """With --component, a path failure is kept when it names one of them; silences always are."""
    return event.finding is None or any(c in components for c in event.finding.components)


def quorum_now(
    store: Store,
    now: datetime,
    rules: Rules,
    components: Sequence[str],
    keep: Callable[[View], bool] | None = None,
) -> QuorumNow:
    views = tuple(
        v
        for v in store.views()
        if (keep is None or keep(v)) and (not components or v.component in components)
    )
    names = list(components) or sorted({v.component for v in views})
    return QuorumNow(rules.policy, views, decide(views, rules, now, names))


def _window_rollups(store: Store, since: datetime, now: datetime, components: Sequence[str]) -> list[Rollup]:
    parts = plan(since, now)
    # The last part is open-ended: a result stamped a moment ahead (another vantage's clock) still counts.
    ends: list[datetime | None] = [end for _, _, end in parts[:-1]]
    ends.append(None)
    return [
        r
        for (res, start, _), end in zip(parts, ends, strict=True)
        for r in store.rollups(res, start, end, components)
    ]


def window_stats(label: str, rollups: Iterable[Rollup], components: Sequence[str] = ()) -> list[WindowStats]:
    sums: dict[str, Sums] = {name: Sums() for name in components}
    for r in rollups:
        sums.setdefault(r.component, Sums()).add_rollup(r)
    return [_stats(name, label, s) for name, s in sorted(sums.items())]


def vantage_stats(label: str, rollups: Iterable[Rollup]) -> list[WindowStats]:
    sums: dict[tuple[str, str], Sums] = {}
    for r in rollups:
        sums.setdefault((r.component, r.vantage), Sums()).add_rollup(r)
    return [_stats(name, label, s, vantage) for (name, vantage), s in sorted(sums.items())]


def _stats(name: str, label: str, s: Sums, vantage: str | None = None) -> WindowStats:
    uptime = (s.ok + s.warn) / s.total if s.total else None
    p = {q: percentile(s.histogram, q) for q in (0.5, 0.95, 0.99)}
    return WindowStats(
        name, label, s.total, uptime, p[0.5], p[0.95], p[0.99], s.blocked, dict(s.causes), vantage
    )


def incidents(transitions: Iterable[Transition], since: datetime) -> list[Incident]:
    """Down periods, oldest first; one that began before `since` is kept when it lasted into the window."""
    open_: dict[tuple[str, str], Transition] = {}
    out: list[Incident] = []
    for t in sorted(transitions, key=lambda t: t.at):
        key = (t.component, t.vantage)
        began = open_.pop(key, None)
        if began is not None and t.after is not State.DOWN:
            out.append(_incident(began, t.at, t.evidence if t.evidence == REMOVED else ""))
        elif began is not None:
            open_[key] = began  # down to down (a new cause) continues the same incident
        if t.after is State.DOWN and began is None:
            open_[key] = t
    out.extend(_incident(t, None) for t in open_.values())
    return sorted((i for i in out if i.end is None or i.end >= since), key=lambda i: i.start)


def _incident(t: Transition, end: datetime | None, note: str = "") -> Incident:
    return Incident(t.component, t.vantage, t.at, end, t.cause, t.layer, t.evidence, t.blocked_by, note)
