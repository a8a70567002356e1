"""`infraprobe history` as a Report: current states, incidents, uptime and latency per window, causes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from infraprobe.durations import span
from infraprobe.monitor.history import History, Incident, QuorumNow, WindowStats
from infraprobe.monitor.state import State
from infraprobe.output.model import Block, Case, Heading, Paragraph, Report, Table

_TONE = {State.UP: "ok", State.DEGRADED: "warn", State.DOWN: "fail", State.UNKNOWN: "muted"}


def history_report(history: History, environment: str = "") -> Report:
    blocks: list[Block] = [_summary(history)]
    several = _several(history)
    if several is not None:  # the verdict across vantages is "now"; each vantage's own state is per vantage
        blocks += _vantages(several, history)
    elif history.current:
        blocks += [Heading("Now"), _current(history)]
    if several is not None:  # alone, the verdict's incidents are the vantage's own, listed below
        blocks += [Heading("Quorum incidents"), _quorum_incidents(history)]
    if history.vantage_periods:
        blocks += [Heading("Vantage events"), _vantage_periods(history)]
    blocks += [Heading("Incidents"), _incidents(history) if history.incidents else Paragraph("none")]
    blocks += [Heading("Uptime and latency"), _windows(history.stats)]
    blocks += [Heading("Causes"), _causes(history)]
    title = f"infraprobe history: {environment}" if environment else "infraprobe history"
    return Report(title, tuple(blocks), history.to_dict(), 0, _cases(history), kind="history")


def _several(history: History) -> QuorumNow | None:
    """The quorum now, when more than one vantage wrote to the store (alone, it is that vantage's state)."""
    q = history.quorum
    return q if q is not None and len(q.vantages) > 1 else None


_STATUS = {State.UP: "ok", State.DEGRADED: "warn", State.DOWN: "fail", State.UNKNOWN: "skip"}


def _cases(history: History) -> tuple[Case, ...]:
    """One verdict per component (its current state, or the quorum's), for status pages and per-check formats."""
    several = _several(history)
    if several is not None:
        return tuple(
            Case(
                name,
                "monitor",
                _STATUS[v.state],
                0.0,
                v.evidence or v.summary(),
                v.cause or "",
                v.layer or "",
            )
            for name, v in sorted(several.decision.verdicts.items())
        )
    return tuple(
        Case(name, "monitor", _STATUS[t.after], 0.0, t.evidence, t.cause or "", t.layer or "")
        for name, t in sorted(history.current.items())
    )


def _down_now(history: History) -> list[str]:
    several = _several(history)
    if several is not None:
        return [c for c, v in several.decision.verdicts.items() if v.state is State.DOWN]
    return [c for c, t in history.current.items() if t.after is State.DOWN]


def _summary(history: History) -> Paragraph:
    down = _down_now(history)
    open_ = sum(i.end is None for i in history.incidents)
    text = (
        f"{len(history.incidents)} incident(s) ({open_} still open); "
        f"{'down now: ' + ', '.join(sorted(down)) if down else 'nothing down now'}; as of {_at(history.now)}"
    )
    return Paragraph(text, "fail" if down else "ok")


def _current(history: History) -> Table:
    rows, tones = [], []
    for name, t in sorted(history.current.items()):
        blocked = f"blocked by {t.blocked_by}" if t.blocked_by else ""
        rows.append((t.after.value, name, _at(t.at), t.cause or "", t.layer or "", blocked, t.vantage))
        tones.append(_TONE[t.after])
    columns = ("state", "component", "since", "cause", "layer", "detail", "vantage")
    return Table(columns, tuple(rows), tuple(tones), shrink=(5,), spare=(6, 2))


def _vantages(q: QuorumNow, history: History) -> list[Block]:
    """The verdict by quorum, what set a vantage aside, and what each vantage sees."""
    blocks: list[Block] = [Heading(f"Quorum ({q.policy}) across {', '.join(q.vantages)}")]
    for f in q.decision.findings.values():
        blocks.append(Paragraph(f"{f.cause.value} ({f.layer}): {f.evidence()}. {f.guidance}", "fail"))
    if q.decision.silent:
        blocks.append(Paragraph(f"not reporting now: {', '.join(sorted(q.decision.silent))}", "warn"))
    rows = tuple(
        (v.state.value, name, ", ".join(v.down), ", ".join(v.up), ", ".join(v.set_aside), v.cause or "")
        for name, v in sorted(q.decision.verdicts.items())
    )
    tones = tuple(_TONE[v.state] for _, v in sorted(q.decision.verdicts.items()))
    columns = ("verdict", "component", "down from", "up from", "set aside", "cause")
    blocks.append(Table(columns, rows, tones, spare=(4, 3, 2)))
    blocks += [Heading("Per vantage"), _per_vantage(q, history)]
    return blocks


def _per_vantage(q: QuorumNow, history: History) -> Table:
    first = history.windows[0]
    stats = {(s.component, s.vantage): s for s in history.by_vantage if s.window == first}
    rows, tones = [], []
    for v in sorted(q.views, key=lambda v: (v.component, v.vantage)):
        s = stats.get((v.component, v.vantage))
        since = _at(v.since) if v.since else ""
        results = (_pct(s.uptime), str(s.total)) if s else ("", "0")
        rows.append((v.component, v.vantage, v.state.value, since, _at(v.at), v.cause or "", *results))
        tones.append(_TONE[v.state])
    columns = ("component", "vantage", "state", "since", "last result", "cause", f"uptime {first}", "results")
    return Table(columns, tuple(rows), tuple(tones), shrink=(3, 4), spare=(7, 6))


def _incidents(history: History) -> Table:
    rows = tuple(_incident_row(i, history.now) for i in history.incidents)
    columns = ("component", "start", "duration", "cause", "layer", "blocked by", "vantage", "evidence")
    tones = tuple("fail" if i.end is None else "" for i in history.incidents)
    return Table(columns, rows, tones, shrink=(7,), spare=(1, 6, 5, 2))


def _quorum_incidents(history: History) -> Table | Paragraph:
    if not history.quorum_incidents:
        return Paragraph("none recorded")
    rows = tuple(
        (
            i.component, _at(i.start), _duration(i.duration(history.now), i.end, i.end_note), i.cause or "",
            i.layer or "", ", ".join(i.down_from), ", ".join(i.decided_by), i.evidence,
        )
        for i in history.quorum_incidents
    )  # fmt: skip
    columns = ("component", "start", "duration", "cause", "layer", "down from", "decided by", "evidence")
    tones = tuple("fail" if i.end is None else "" for i in history.quorum_incidents)
    return Table(columns, rows, tones, shrink=(7,), spare=(1, 6, 5, 2))


def _vantage_periods(history: History) -> Table:
    rows = tuple(
        (
            p.vantage, p.topic, _at(p.start), _duration(p.duration(history.now), p.end),
            ", ".join(p.components), ", ".join(f"{c} x{n}" for c, n in sorted(p.causes.items())),
            ", ".join(p.seen_up_by), ", ".join(p.reported_by),
        )
        for p in history.vantage_periods
    )  # fmt: skip
    columns = ("vantage", "event", "start", "duration", "components", "causes", "seen up by", "reported by")
    tones = tuple("fail" if p.end is None else "warn" for p in history.vantage_periods)
    return Table(columns, rows, tones, shrink=(4,), spare=(2, 7, 6, 3))


def _duration(d: timedelta, end: datetime | None, note: str = "") -> str:
    return _span(d) + (" (open)" if end is None else f" ({note})" if note else "")


def _incident_row(i: Incident, now: datetime) -> tuple[str, ...]:
    duration = _duration(i.duration(now), i.end, i.end_note)
    return (
        i.component,
        _at(i.start),
        duration,
        i.cause or "",
        i.layer or "",
        i.blocked_by or "",
        i.vantage,
        i.evidence,
    )


def _windows(stats: tuple[WindowStats, ...]) -> Table:
    rows = tuple(
        (
            s.component,
            s.window,
            str(s.total),
            _pct(s.uptime),
            _ms(s.p50),
            _ms(s.p95),
            _ms(s.p99),
            _top(s.causes),
        )
        for s in sorted(stats, key=lambda s: s.component)
    )
    columns = ("component", "window", "results", "uptime", "p50", "p95", "p99", "top cause")
    return Table(columns, rows, shrink=(7,), spare=(2,))


def _causes(history: History) -> Table | Paragraph:
    per_window = {w: history.causes(w) for w in history.windows}
    causes = sorted({c for counts in per_window.values() for c in counts})
    if not causes:
        return Paragraph("no failures recorded")
    rows = tuple((c, *(str(per_window[w].get(c, 0)) for w in history.windows)) for c in causes)
    return Table(("cause", *history.windows), rows)


def _top(causes: dict[str, int]) -> str:
    if not causes:
        return ""
    cause, n = max(causes.items(), key=lambda kv: kv[1])
    return f"{cause} ({n})"


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.3f}%".replace(".000%", "%")


def _ms(value: float | None) -> str:
    return "" if value is None else f"≤{value * 1000:.3g} ms"


def _at(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _span(d: timedelta) -> str:
    return span(d.total_seconds())
