"""One self-contained HTML page: inline CSS, charts as inline SVG, no script and nothing fetched, so it opens
from a mail attachment or an air-gapped laptop the same way. Every text is escaped: evidence is hostile input."""

from __future__ import annotations

from html import escape

from infraprobe.output.formats._safe import inert
from infraprobe.output.formats._svg import chart_svg
from infraprobe.output.formats.base import Format, Options
from infraprobe.output.model import Block, Bullets, Chart, Heading, KeyValues, Paragraph, Report, Table

_CSS = """
:root{color-scheme:light;--fg:#1a1a1a;--muted:#555;--ok:#0a6b2d;--fail:#a3111a;--warn:#7a4b00;--line:#d0d0d0}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#fff;
margin:0 auto;padding:1.5rem;max-width:72rem}
h1{font-size:1.75rem;margin:0 0 1rem}h2{font-size:1.35rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--line)}
h3{font-size:1.1rem;margin:1.25rem 0 .5rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.92rem}
th,td{border:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f2f2f2}caption{text-align:left;font-weight:600;padding:.25rem 0}
code{font:.9em ui-monospace,Menlo,Consolas,monospace;background:#f4f4f4;padding:.05rem .25rem;overflow-wrap:anywhere}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0}
.ok{color:var(--ok)}.fail{color:var(--fail)}.warn{color:var(--warn)}.muted{color:var(--muted)}
p.ok,p.fail{font-weight:600}tr.fail td:first-child{border-left:4px solid var(--fail)}
ul.checklist{list-style:none;padding-left:0}ul.checklist li{margin:.25rem 0}
p,li,dd,dt{overflow-wrap:anywhere}
.box{display:inline-block;width:1.4em;font-weight:700}
figure{margin:.5rem 0 1.5rem}figcaption{font-weight:600}svg{max-width:100%;height:auto}
"""

_BOXES = {"[x] ": ("ok", "✔", "done"), "[ ] ": ("fail", "✘", "open")}


def render(report: Report, options: Options) -> str:
    body = "\n".join(_block(b) for b in report.blocks)
    title = _text(report.title)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n<main>\n<h1>{title}</h1>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _block(block: Block) -> str:
    match block:
        case Heading(text, level):
            return f"<h{min(level, 5)}>{_text(text)}</h{min(level, 5)}>"
        case Paragraph(text, tone):
            return f'<p class="{escape(tone)}">{_code(text)}</p>' if tone else f"<p>{_code(text)}</p>"
        case Bullets(items, ordered):
            return _list(items, ordered)
        case KeyValues(pairs):
            rows = "".join(f"<dt>{_text(k)}</dt><dd>{_code(v)}</dd>" for k, v in pairs)
            return f"<dl>{rows}</dl>"
        case Table():
            return _table(block)
        case Chart():
            return chart_svg(block)
    return ""


def _list(items: tuple[str, ...], ordered: bool) -> str:
    if items and all(i[:4] in _BOXES for i in items):
        return '<ul class="checklist">' + "".join(_checkbox(i) for i in items) + "</ul>"
    tag = "ol" if ordered else "ul"
    return f"<{tag}>" + "".join(f"<li>{_code(i)}</li>" for i in items) + f"</{tag}>"


def _checkbox(item: str) -> str:
    tone, mark, state = _BOXES[item[:4]]
    return f'<li><span class="box {tone}" role="img" aria-label="{state}">{mark}</span>{_code(item[4:])}</li>'


def _table(table: Table) -> str:
    caption = f"<caption>{_text(table.title)}</caption>" if table.title else ""
    head = "".join(f'<th scope="col">{_text(c)}</th>' for c in table.columns)
    tones = table.tones or ("",) * len(table.rows)
    rows = "".join(_row(row, tone) for row, tone in zip(table.rows, tones, strict=False))
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _row(row: tuple[str, ...], tone: str) -> str:
    cells = "".join(f"<td>{_code(c)}</td>" for c in row)
    return f'<tr class="{escape(tone)}">{cells}</tr>' if tone else f"<tr>{cells}</tr>"


def _text(text: str) -> str:
    return escape(inert(text))


def _code(text: str) -> str:
    """Escaped text whose `backtick` spans become <code> (commands and names read as code)."""
    parts = _text(text).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: plain text
        return "`".join(parts)
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


FORMAT = Format(
    "html", render, "text/html; charset=utf-8", "one self-contained HTML page (inline CSS and SVG)"
)
