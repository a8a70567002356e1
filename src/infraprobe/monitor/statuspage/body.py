"""The status page's JSON, as pure functions over the monitor's live state and the page's history.

Two audiences, as for the health endpoints: anyone gets states, cause codes, layers, the taxonomy's one-line
summary, latency and the history bars (codes and numbers, nothing an operator typed or a server said); a
caller allowed details also gets targets, evidence, the latest message and the guidance. Every string of a
detailed body goes through the redactor here, at the last moment.

Bars are strings with one letter per bucket, oldest first: `u` all ok, `d` warnings but no failure, `p` some
failures (under half), `f` mostly failures, `n` no result. Small, and trivial for the page to colour.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from infraprobe.config.model import ComponentBase
from infraprobe.monitor.history import Incident
from infraprobe.monitor.state import State, Tracker, Transition
from infraprobe.monitor.statuspage.history import DAYS, HOURS, PageHistory
from infraprobe.monitor.store.base import Series
from infraprobe.redact import Redactor
from infraprobe.taxonomy import CAUSES, Cause

Body = dict[str, Any]
MAX_INCIDENTS = 200  # newest first; the page says how many more there were


@dataclass(frozen=True, slots=True)
class Vantages:
    """Which vantages see the component how (`down`, `degraded`, `up`, `undecided`, `set aside`), and the
    quorum verdict's one-line summary when several vantages share the store."""

    seen: tuple[tuple[str, str], ...]
    verdict: str = ""


@dataclass(frozen=True, slots=True)
class Live:
    """One component as the monitor sees it now."""

    component: ComponentBase
    tracker: Tracker
    reason: Transition | None  # the change that brought the current state (cause, evidence, blocked_by)
    vantages: Vantages


def encode(body: Body) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def segment(total: int, warn: int, fail: int) -> str:
    """One bucket's letter, from its counts."""
    if total == 0:
        return "n"
    if fail == 0:
        return "d" if warn else "u"
    return "p" if fail * 2 < total else "f"


def bar(series: Series | None, count: int) -> str:
    if series is None:
        return "n" * count
    return "".join(map(segment, series.total, series.warn, series.fail))


def uptime(series: Series | None) -> float | None:
    """Percent of results that were not failures, over the buckets shown."""
    total = sum(series.total) if series is not None else 0
    return round(100 * (total - sum(series.fail)) / total, 2) if series is not None and total else None


def spark(series: Series | None) -> list[float | None]:
    """Mean latency per bucket in milliseconds."""
    if series is None:
        return []
    return [None if m is None else round(m * 1000, 2) for m in series.means()]


def page(
    live: Iterable[Live],
    history: PageHistory,
    *,
    now: datetime,
    vantage: str,
    detail: bool,
    redact: Redactor,
) -> Body:
    components = [component(c, history, detail, redact) for c in live]
    counts = _counted(c["state"] for c in components)
    shown = history.incidents[:MAX_INCIDENTS]
    return {
        "generated_at": now.isoformat(),
        "history_at": history.now.isoformat(),
        "vantage": vantage,
        "detail": detail,
        "counts": counts,
        "components": components,
        "incidents": [incident(i, now, detail, redact) for i in shown],
        "incidents_not_shown": len(history.incidents) - len(shown),
    }


def first_screen(
    live: Sequence[Live], history: PageHistory, *, now: datetime, vantage: str, redact: Redactor, rows: int
) -> Body:
    """What the page paints before its script fetches anything: its first `rows` components in the page's
    order (categories as they first appear), public fields only, with every component's state counted. No
    incidents (below the fold)."""
    order: dict[str, int] = {}
    for c in live:
        order.setdefault(c.component.category, len(order))
    first = sorted(live, key=lambda c: order[c.component.category])[:rows]
    out = page(first, history, now=now, vantage=vantage, detail=False, redact=redact)
    counts = _counted(c.tracker.state.value for c in live)
    out.update(partial=True, counts=counts, incidents=[], incidents_not_shown=len(history.incidents))
    return out


def _counted(states: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in states:
        counts[s] = counts.get(s, 0) + 1
    return counts


def component(live: Live, history: PageHistory, detail: bool, redact: Redactor) -> Body:
    out = state(live)
    name = live.component.name
    hours, days = history.hours.get(name), history.days.get(name)
    out["bars"] = {"24h": bar(hours, HOURS), "7d": bar(days, DAYS)}
    out["uptime"] = {"24h": uptime(hours), "7d": uptime(days)}
    out["spark"] = spark(hours)
    if detail:
        out.update(_detail(live, redact))
    return out


def state(live: Live) -> Body:
    """The part that changes with every transition: what the page's event stream sends."""
    tracker, reason = live.tracker, live.reason
    current = reason if reason is not None and tracker.state in (State.DOWN, State.DEGRADED) else None
    last = tracker.last.result if tracker.last is not None else None
    return {
        "name": live.component.name,
        "category": live.component.category,
        "kind": live.component.kind,
        "state": tracker.state.value,
        "since": tracker.since.isoformat() if tracker.since else None,
        "cause": current.cause if current else None,
        "layer": current.layer if current else None,
        "summary": _summary(current.cause) if current else None,
        "blocked_by": current.blocked_by if current else None,
        "vantages": [{"name": v, "state": s} for v, s in live.vantages.seen],
        "verdict": live.vantages.verdict or None,
        "latency_ms": round(last.duration * 1000, 2) if last is not None else None,
    }


def _detail(live: Live, redact: Redactor) -> Body:
    last = live.tracker.last.result if live.tracker.last is not None else None
    reason = live.reason if live.tracker.state in (State.DOWN, State.DEGRADED) else None
    cause = reason.cause if reason else None
    return {
        "target": redact(live.component.target()),
        "evidence": redact(reason.evidence) if reason else None,
        "guidance": _guidance(cause),
        "message": redact(last.message) if last is not None else None,
    }


def incident(i: Incident, now: datetime, detail: bool, redact: Redactor) -> Body:
    out: Body = {
        "component": i.component,
        "vantage": i.vantage,
        "start": i.start.isoformat(),
        "end": i.end.isoformat() if i.end else None,
        "duration_s": round(i.duration(now).total_seconds(), 1),
        "cause": i.cause,
        "layer": i.layer,
        "blocked_by": i.blocked_by,
    }
    if detail:
        out["evidence"] = redact(i.evidence)
    return out


def states(live: Sequence[Live]) -> Body:
    return {"components": [state(c) for c in live]}


def _summary(cause: str | None) -> str | None:
    info = _info(cause)
    return info.summary if info else None


def _guidance(cause: str | None) -> str | None:
    info = _info(cause)
    return info.guidance if info else None


def _info(cause: str | None) -> Any:
    try:
        return CAUSES[Cause(cause)] if cause else None
    except ValueError:
        return None  # a cause code from a newer version in a shared store: shown, not explained


def by_name(live: Iterable[Live]) -> Mapping[str, Live]:
    return {c.component.name: c for c in live}
