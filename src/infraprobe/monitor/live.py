"""What the monitor shows while it runs: a live table on a terminal, one line per state change otherwise.

The line form is for `monitor | tee` in CI and for logs: a state change or a notice per line, nothing per
check. The table redraws twice a second, worst state first, and fits the terminal: rows beyond its height
are summarised, and the evidence column is the one that gives up width.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import IO, Literal

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from infraprobe.monitor.state import Observation, Routine, State, Tracker, Transition

_STYLE = {State.UP: "green", State.DEGRADED: "yellow", State.DOWN: "bold red", State.UNKNOWN: "dim"}


def transition_line(t: Transition) -> str:
    parts = [
        t.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        t.component,
        f"{t.before.value} -> {t.after.value}",
    ]
    if t.cause:
        parts.append(f"cause={t.cause} layer={t.layer}")
    if t.blocked_by:
        parts.append(f"blocked_by={t.blocked_by}")
    parts.append(f"after {t.streak} result(s)")
    if t.evidence:
        parts.append(f"| {t.evidence}")
    return " ".join(parts)


class LineOutput:
    """One line per state change and per notice, flushed at once; `quiet` (-q): no routine notices."""

    def __init__(self, write: Callable[[str], object], *, quiet: bool = False) -> None:
        self._write = write
        self._quiet = quiet

    def observed(self, obs: Observation, tracker: Tracker, transition: Transition | None) -> None:
        if transition is not None:
            self._write(transition_line(transition))

    def notice(self, message: str) -> None:
        if self._quiet and isinstance(message, Routine):
            return
        self._write(f"{datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')} monitor: {message}")


class LiveTable:
    """A table of every component, redrawn in place on a terminal."""

    def __init__(self, trackers: Callable[[], dict[str, Tracker]], stream: IO[str] | None = None) -> None:
        self._trackers = trackers
        self.console = Console(file=stream, highlight=False)
        self._notices: list[str] = []
        self._live = Live(
            console=self.console, refresh_per_second=2, get_renderable=self.render, transient=False
        )

    def __enter__(self) -> LiveTable:
        self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.__exit__(None, None, None)

    def observed(self, obs: Observation, tracker: Tracker, transition: Transition | None) -> None:
        """The table reads the trackers when it redraws; nothing to do per result."""

    def notice(self, message: str) -> None:
        self._notices = [*self._notices[-2:], message]

    def render(self) -> Group:
        trackers = sorted(self._trackers().values(), key=lambda t: (-t.state.rank, t.component))
        room = max(3, self.console.size.height - 6 - len(self._notices))
        table = Table(expand=False, width=self.console.size.width, box=None, pad_edge=False)
        names = _columns(table, self.console.size.width)
        for tracker in trackers[:room]:
            cells = _row(tracker)
            table.add_row(*(cells[n] for n in names))
        worst_first = (State.DOWN, State.DEGRADED, State.UP, State.UNKNOWN)
        counts = {s: sum(t.state is s for t in trackers) for s in worst_first}
        summary = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
        more = f" ({len(trackers) - room} more not shown)" if len(trackers) > room else ""
        return Group(
            table, Text(f"{summary}{more}", style="dim"), *(Text(n, style="yellow") for n in self._notices)
        )


# (name, min width, max width); the detail column takes what is left and gives up width first.
_COLUMNS: tuple[tuple[str, int, int], ...] = (
    ("state", 8, 8),
    ("component", 12, 40),
    ("cause", 8, 28),
    ("layer", 8, 14),
    ("latency", 7, 9),
    ("since", 8, 8),
)
_NARROW = 110  # below this many columns, layer and since are left out: the cause says most of it


def _columns(table: Table, width: int) -> list[str]:
    shown = [c for c in _COLUMNS if width >= _NARROW or c[0] not in ("layer", "since")]
    for name, low, high in shown:
        justify: Literal["left", "right"] = "right" if name == "latency" else "left"
        justify = "right" if name == "latency" else "left"
        table.add_column(
            name, no_wrap=True, overflow="ellipsis", min_width=low, max_width=high, justify=justify
        )
    table.add_column("detail", no_wrap=True, overflow="ellipsis", ratio=1, min_width=10)
    return [*(c[0] for c in shown), "detail"]


def _row(tracker: Tracker) -> dict[str, Text | str]:
    last = tracker.last
    result = last.result if last else None
    d = result.diagnosis if result else None
    since = tracker.since.astimezone(UTC).strftime("%H:%M:%S") if tracker.since else ""
    detail = ""
    if last is not None and last.blocked_by:
        detail = f"blocked by {last.blocked_by}"
    elif result is not None:
        detail = result.message
    return {
        "state": Text(tracker.state.value, style=_STYLE[tracker.state]),
        "component": tracker.component,
        "cause": d.cause.value if d else "",
        "layer": d.layer.value if d else "",
        "latency": f"{result.duration * 1000:.0f} ms" if result else "",
        "since": since,
        "detail": detail,
    }
