"""Charts as inline SVG for the HTML format: no script, no external font, readable without colour (every
mark has a <title>, every chart a text alternative), so the page stays one self-contained file."""

from __future__ import annotations

from html import escape as _escape

from infraprobe.output.formats._safe import inert
from infraprobe.output.model import Chart

WIDTH, ROW, LEFT, TOP = 720, 22, 150, 24
PALETTE = ("#1f5fa8", "#b3541e", "#2e7d32", "#6a3d9a", "#8a6d00", "#00838f", "#ad1457", "#455a64")


def escape(text: str) -> str:
    return _escape(inert(text))


def chart_svg(chart: Chart) -> str:
    draw = {"strip": _strip, "bars": _bars}.get(chart.kind, _line)
    body, height = draw(chart)
    title = escape(chart.title)
    return (
        f'<figure><figcaption>{title}</figcaption><svg xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="{title}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'font-family="sans-serif" font-size="12">{body}</svg></figure>'
    )


def _axis(chart: Chart, y: int) -> str:
    if not chart.labels:
        return ""
    first, last = escape(chart.labels[0]), escape(chart.labels[-1])
    return (
        f'<text x="{LEFT}" y="{y}" fill="#333">{first}</text>'
        f'<text x="{WIDTH - 4}" y="{y}" fill="#333" text-anchor="end">{last}</text>'
    )


def _strip(chart: Chart) -> tuple[str, int]:
    """One row per series; each cell's colour says how much of that bucket was up (0..100)."""
    cells = max(len(chart.labels), 1)
    step = (WIDTH - LEFT - 4) / cells
    parts = []
    for row, (name, values) in enumerate(chart.series):
        y = TOP + row * ROW
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 14}" text-anchor="end" fill="#1a1a1a">{escape(name)}</text>'
        )
        for i, value in enumerate(values):
            tip = f"{name} {chart.labels[i]}: {'no data' if value is None else f'{value:.0f}{chart.unit}'}"
            parts.append(
                f'<rect x="{LEFT + i * step:.1f}" y="{y}" width="{max(step - 1, 1):.1f}" height="{ROW - 4}" '
                f'fill="{_up_colour(value)}"><title>{escape(tip)}</title></rect>'
            )
    height = TOP + len(chart.series) * ROW + 18
    return "".join(parts) + _axis(chart, height - 4), height


def _up_colour(value: float | None) -> str:
    if value is None:
        return "#e0e0e0"
    return "#2e7d32" if value >= 99.5 else "#c77700" if value >= 50 else "#b00020"


def _line(chart: Chart) -> tuple[str, int]:
    """One polyline per series over the labels; the y axis from 0 to the largest value."""
    height, plot = 220, 160
    top = max((v for _, vs in chart.series for v in vs if v is not None), default=0.0) or 1.0
    step = (WIDTH - LEFT - 4) / max(len(chart.labels) - 1, 1)
    parts = [
        f'<line x1="{LEFT}" y1="{TOP + plot}" x2="{WIDTH - 4}" y2="{TOP + plot}" stroke="#999"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end" fill="#333">{top:.0f} {escape(chart.unit)}</text>',
        f'<text x="{LEFT - 6}" y="{TOP + plot}" text-anchor="end" fill="#333">0</text>',
    ]
    for n, (name, values) in enumerate(chart.series):
        colour = PALETTE[n % len(PALETTE)]
        points = " ".join(
            f"{LEFT + i * step:.1f},{TOP + plot - v / top * plot:.1f}"
            for i, v in enumerate(values)
            if v is not None
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2">'
            f"<title>{escape(name)}</title></polyline>"
        )
        parts.append(f'<text x="4" y="{TOP + 14 * n + 10}" fill="{colour}">{escape(name)}</text>')
    return "".join(parts) + _axis(chart, height - 6), height


def _bars(chart: Chart) -> tuple[str, int]:
    """One horizontal bar per label (the first series), longest for the largest value."""
    values = chart.series[0][1] if chart.series else ()
    top = max((v for v in values if v is not None), default=0.0) or 1.0
    parts = []
    for i, (label, value) in enumerate(zip(chart.labels, values, strict=False)):
        y, v = TOP + i * ROW - 16, value or 0.0
        length = (WIDTH - LEFT - 60) * v / top
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 14}" text-anchor="end" fill="#1a1a1a">{escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{LEFT}" y="{y}" width="{length:.1f}" height="{ROW - 6}" fill="{PALETTE[0]}">'
            f"<title>{escape(label)}: {v:g} {escape(chart.unit)}</title></rect>"
        )
        parts.append(f'<text x="{LEFT + length + 6:.1f}" y="{y + 13}" fill="#1a1a1a">{v:g}</text>')
    return "".join(parts), TOP + len(chart.labels) * ROW
