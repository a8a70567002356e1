"""Markdown for tickets, chat and handoff documents (GitHub-flavoured tables)."""

from __future__ import annotations

from infraprobe.output.formats._safe import inert
from infraprobe.output.formats.base import Format, Options
from infraprobe.output.model import Block, Bullets, Heading, KeyValues, Paragraph, Report, Table


def render(report: Report, options: Options) -> str:
    parts = [f"# {report.title}"]
    parts.extend(_block(b) for b in report.blocks)
    return "\n\n".join(p for p in parts if p) + "\n"


def _block(block: Block) -> str:
    match block:
        case Heading(text, level):
            return f"{'#' * min(level + 1, 6)} {_inline(text)}"
        case Paragraph(text, _):
            return _inline(text)
        case Bullets(items, ordered):
            return "\n".join(
                f"{i + 1}. {_inline(x)}" if ordered else f"- {_inline(x)}" for i, x in enumerate(items)
            )
        case KeyValues(pairs):
            return "\n".join(f"- **{_inline(k)}**: {_inline(v)}" for k, v in pairs)
        case Table():
            return _table(block)
    return ""


def _table(table: Table) -> str:
    head = "| " + " | ".join(_cell(c) for c in table.columns) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    rows = ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    title = f"**{_inline(table.title)}**\n\n" if table.title else ""
    return title + "\n".join([head, rule, *rows])


def _cell(text: str) -> str:
    return _inline(text).replace("|", "\\|").replace("\n", "<br>")


def _inline(text: str) -> str:
    # Keep user-controlled text from turning into HTML (a hostile error text must stay text). A bare ">"
    # is harmless inside a line and is what arithmetic like "150 > 50" needs to read naturally.
    return inert(text).replace("&", "&amp;").replace("<", "&lt;")


FORMAT = Format("markdown", render, "text/markdown; charset=utf-8", "GitHub-flavoured markdown for tickets")
