"""What the monitor prints: the live table fits the terminal; the line form says one change per line."""

from __future__ import annotations

import io

from rich.console import Console

from infraprobe.monitor.live import LiveTable, transition_line
from infraprobe.monitor.state import Observation, State, Thresholds, Tracker, Transition
from infraprobe.result import Status
from infraprobe.taxonomy import Cause

from .helpers import T0, minutes, obs, result


def trackers(count: int) -> dict[str, Tracker]:
    out = {}
    for i in range(count):
        t = Tracker(f"component-with-a-long-name-{i}", Thresholds(1, 1))
        status = Status.FAIL if i % 3 == 0 else Status.OK
        t.observe(
            Observation(
                result(
                    t.component, status, cause=Cause.DNS_FAILURE if i % 3 == 0 else None, evidence="x" * 300
                ),
                "v",
                "db" if i == 3 else None,
            )
        )
        out[t.component] = t
    return out


def test_live_table_fits_width_and_height_worst_first() -> None:
    stream = io.StringIO()
    table = LiveTable(lambda: trackers(40), stream)
    table.console = Console(file=stream, width=80, height=20, highlight=False, color_system=None)
    table.notice("store unavailable (db down); buffering")
    table.console.print(table.render())
    lines = stream.getvalue().splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert len(lines) <= 20
    assert lines[0].split() == ["state", "component", "cause", "latency", "detail"]  # narrow: no layer, since
    assert lines[1].startswith("down") and "blocked by db" in stream.getvalue()
    assert "14 down, 26 up" in stream.getvalue() and "more not shown" in stream.getvalue()
    assert lines[-1].startswith("store unavailable")


def test_transition_line_says_what_why_and_what_blocked_it() -> None:
    t = Transition(
        "backend",
        "v",
        T0 + minutes(2),
        State.UP,
        State.DOWN,
        "connection_refused",
        "infrastructure",
        "refused",
        "cache",
        3,
    )
    assert transition_line(t) == (
        "2026-01-01T10:02:00Z backend up -> down cause=connection_refused layer=infrastructure "
        "blocked_by=cache after 3 result(s) | refused"
    )
    assert obs().result.status is Status.OK
