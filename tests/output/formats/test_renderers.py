"""Renderers are pure functions over the one report model; each format is pinned by a golden file.

Regenerate after an intended change with `INFRAPROBE_UPDATE_GOLDEN=1 pytest tests/output/formats`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from infraprobe.output.formats import FORMATS, render
from infraprobe.output.model import Bullets, Case, Chart, Heading, KeyValues, Paragraph, Report, Table

GOLDEN = Path(__file__).parent / "golden"
HOSTILE = "<script>alert(1)</script> | pipe & amp\nsecond line \x1b]0;owned\x07\x1b[2J"

REPORT = Report(
    title="infraprobe check: golden",
    blocks=(
        Paragraph("FAIL: 1 ok, 1 warn, 1 fail in 12 ms", "fail"),
        Table(
            ("status", "component", "detail"),
            (("ok", "api", "HTTP 200"), ("warn", "db", "headroom 2 of 17"), ("fail", "cache", HOSTILE)),
            ("ok", "warn", "fail"),
            title="Results",
        ),
        Heading("Why"),
        Bullets(("summary: the name could not be resolved", "owner: network team")),
        Bullets(("first", "second"), ordered=True),
        KeyValues((("cause", "dns_failure"), ("layer", "infrastructure"))),
        Bullets(("[x] data/db: ok (done since 09:00)", "[ ] data/cache: `dig cache` fails (open)")),
        Chart(
            "Availability", ("09:00", "09:01"), (("cache", (0.0, None)), ("db", (100.0, 75.0))), "strip", "%"
        ),
        Chart("Latency <p95>", ("09:00", "09:01"), (("db", (3.0, 12.5)),), "line", "ms"),
        Chart("Causes", ("dns_failure", HOSTILE), (("events", (4.0, 1.0)),), "bars"),
    ),
    data={"ok": False, "results": [{"component": "cache", "detail": HOSTILE}]},
    exit_code=1,
    cases=(
        Case("api", "http", "ok", 0.0123, "HTTP 200", suite="connectivity"),
        Case(
            "cache",
            "redis",
            "fail",
            1.5,
            HOSTILE,
            cause="dns_failure",
            layer="infrastructure",
            suite="connectivity",
            guidance="resolve the name from the failing workload",
            evidence=HOSTILE,
        ),
        Case("search", "tcp", "skip", 0.0, "not selected", suite="extras", critical=False),
    ),
)

CASES = {
    "table.txt": lambda: render(REPORT, "table"),
    "table-colour.txt": lambda: render(REPORT, "table", colour=True),
    "table-narrow.txt": lambda: render(REPORT, "table", width=40),
    "markdown.md": lambda: render(REPORT, "markdown"),
    "json.json": lambda: render(REPORT, "json"),
    "junit.xml": lambda: render(REPORT, "junit"),
    "html.html": lambda: render(REPORT, "html"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    """Each format renders the reference report exactly as its golden file."""
    got = CASES[name]()
    path = GOLDEN / name
    if os.environ.get("INFRAPROBE_UPDATE_GOLDEN"):
        path.write_text(got)
    assert got == path.read_text()


def test_every_format_is_covered() -> None:
    """A new renderer must come with a golden file here."""
    covered = {name.split(".")[0].split("-")[0] for name in CASES}
    assert set(FORMATS) <= covered


def test_json_is_the_payload_verbatim() -> None:
    """--format json prints the report's data as it is, whatever the blocks say."""
    assert json.loads(render(REPORT, "json")) == REPORT.data


def test_markdown_keeps_hostile_text_inert() -> None:
    """User-controlled text cannot open HTML tags or break a table row in markdown."""
    out = render(REPORT, "markdown")
    assert "<script>" not in out
    row = next(line for line in out.splitlines() if line.startswith("| fail"))
    assert row.count(" | ") == 2  # three cells: the pipe inside the text did not open a fourth
    assert "\\|" in row


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_terminal_escapes_from_targets_are_inert(fmt: str) -> None:
    """An ESC or BEL inside target-supplied text never reaches the terminal raw, in any format."""
    out = render(REPORT, fmt, colour=False)
    assert "\x1b" not in out
    assert "\x07" not in out


def test_colour_only_when_asked() -> None:
    """No ANSI escapes unless colour is requested (the CLI asks only on a TTY without NO_COLOR)."""
    assert "\x1b[" not in render(REPORT, "table")
    assert "\x1b[31m" in render(REPORT, "table", colour=True)


def test_narrow_terminal_folds_the_detail_and_cuts_nothing() -> None:
    """On a narrow terminal the detail column wraps within itself: every row kept, every word shown."""
    out = render(REPORT, "table", width=40)
    rows = [line for line in out.splitlines() if line.startswith(("ok ", "warn", "fail"))]
    assert len(rows) == 3
    table = out.split("Results")[1].split("Why")[0]
    assert all(len(line) <= 40 for line in table.splitlines())
    assert "…" not in table
    assert "second line" in table and "pipe & amp" in table


def test_cause_and_layer_are_never_cut() -> None:
    """A check table on an 80-column terminal keeps `upstream_unavailable` and `infrastructure` whole."""
    table = Table(
        ("status", "component", "kind", "time", "cause", "layer", "phases (ms)", "detail"),
        (
            (
                "fail",
                "payments-api",
                "http",
                "12.3 ms",
                "upstream_unavailable",
                "infrastructure",
                "dns 0.1 connect 0.2",
                "x " * 80,
            ),
        ),
        shrink=(7, 6),
    )
    out = render(Report("t", (table,)), "table", width=80)
    assert "upstream_unavailable" in out and "infrastructure" in out
    assert all(len(line) <= 80 for line in out.splitlines())


def test_spare_columns_leave_the_row_only_when_it_does_not_fit() -> None:
    """With a long name and cause, the row is still too wide once the detail is beneath it: the spare
    columns (kind, then time) move beneath too, on one line, in order, until it fits; a wide terminal keeps
    them in the row."""
    columns = ("status", "component", "kind", "time", "cause", "layer", "detail")
    row = ("fail", "orders-api-gateway-1", "websocket", "1002.9 ms", "tls_certificate_expired",
           "infrastructure", "certificate has expired " * 4)  # fmt: skip
    table = Table(columns, (row,), shrink=(6,), spare=(2, 3))
    narrow = render(Report("t", (table,)), "table", width=80).splitlines()
    assert all(len(line) <= 80 for line in narrow)
    assert narrow[2].split() == ["status", "component", "time", "cause", "layer"]
    assert narrow[5] == "    kind: websocket"  # only as many as needed: time stays in the row
    assert narrow[6].startswith("    detail: certificate has expired")
    tighter = render(Report("t", (table,)), "table", width=70).splitlines()
    assert tighter[5] == "    kind: websocket  time: 1002.9 ms"
    wide = render(Report("t", (table,)), "table", width=200).splitlines()
    assert wide[2].split()[:6] == ["status", "component", "kind", "time", "cause", "layer"] and len(wide) == 5


def test_a_token_longer_than_the_line_folds_at_a_separator_in_every_block() -> None:
    """A URL with no space in it: in a paragraph, a bullet, a key's value, a long key, a foldable cell and a
    cell beneath its row, every line fits and breaks after a `/` (the last in the line's second half)."""
    url = "https://orders.internal.example.com/api/v2/" + "/".join(["reports_2026_12_06T17.29.51Z"] * 5)
    table = Table(("status", "component", "detail"), (("fail", "orders", url),), shrink=(2,))
    blocks = (
        Paragraph(url),
        Bullets((f"evidence: {url}",)),
        KeyValues((("input", url), (url, "5 lines"))),
        table,
    )
    out = render(Report("t", blocks), "table", width=60)
    lines = out.splitlines()
    assert all(len(line) <= 60 for line in lines), [line for line in lines if len(line) > 60]
    assert out.count("reports_2026_12_06T17.29.51Z/\n") >= 8  # folded after a slash, not mid-word
    assert "".join(line.strip() for line in lines).count(url) == 5  # nothing lost (the cell's: beneath it)
