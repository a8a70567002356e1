"""The one report model every command renders: a format-neutral document plus its JSON payload.

Commands turn their domain results (check results, root causes, log summaries) into a `Report` with a pure
function; renderers (`infraprobe.render`) turn a `Report` into text. So a new output format is one renderer,
and a new command never touches the renderers.

A report has three faces: `blocks`, the document a person reads (headings, tables, lists, paragraphs);
`data`, the stable machine-readable payload that `--format json` prints as it is; and `cases`, one verdict
per thing checked, which per-check machine formats (JUnit, Prometheus text, a status page) render without
knowing which command made the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    tone: str = ""


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[str, ...]
    ordered: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    # One tone per row (colours the row's status cell on a terminal); "" for none.
    tones: tuple[str, ...] = ()
    title: str = ""
    # Columns that fold (wrap within the column) on a narrow terminal, first to give up width first. The others
    # (status, names, cause, layer) are never cut: one policy for every command's tables.
    shrink: tuple[int, ...] = ()
    # Columns that may leave the row whole, in this order, when it still does not fit once the foldable ones
    # are beneath it (a kind, a time, a vantage): printed beneath it too, so a cause is never pushed past the
    # edge of an 80-column terminal by a column that says less.
    spare: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class KeyValues:
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """Numbers to draw. Formats that can (HTML: inline SVG) draw them; text formats leave a chart out, so a
    view that adds one also gives its numbers in a Table."""

    title: str
    labels: tuple[str, ...]  # the x axis: one per point (times), or the bars' names
    series: tuple[tuple[str, tuple[float | None, ...]], ...]  # (name, one value per label; None: no data)
    kind: str = "line"  # "line": values over labels; "strip": one row of 0..100 cells per series; "bars"
    unit: str = ""


Block = Heading | Paragraph | Bullets | Table | KeyValues | Chart


@dataclass(frozen=True, slots=True)
class Case:
    """One verdict on one thing checked: a JUnit test case, a `probe_success` sample, a status-page row."""

    name: str
    group: str  # what kind of thing (the probe kind): a JUnit classname, a metric label
    status: str  # "ok", "warn", "fail" or "skip"
    seconds: float
    message: str = ""
    cause: str = ""  # the cause code, when it failed
    layer: str = ""
    phases: tuple[tuple[str, float], ...] = ()  # (phase, seconds), in the order they happened
    suite: str = ""  # the set it belongs to (a category): a JUnit testsuite
    guidance: str = ""  # what to check next, when it failed
    evidence: str = ""  # the (masked) text the diagnosis rests on
    critical: bool = True  # whether its failure fails the run


@dataclass(frozen=True, slots=True)
class Report:
    title: str
    blocks: tuple[Block, ...]
    data: Mapping[str, Any] = field(default_factory=dict)
    exit_code: int = 0
    cases: tuple[Case, ...] = ()
    # The command it reports on: JSON names its schema `infraprobe.<kind>/v1` after it.
    kind: str = ""
