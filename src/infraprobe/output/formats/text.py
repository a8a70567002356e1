"""Plain-text tables for terminals; colour (ANSI) only when asked, which the CLI decides from the TTY."""

from __future__ import annotations

import textwrap

from infraprobe.output.formats._safe import inert
from infraprobe.output.formats.base import Format, Options
from infraprobe.output.model import Block, Bullets, Heading, KeyValues, Paragraph, Report, Table

_ANSI = {"ok": "\x1b[32m", "warn": "\x1b[33m", "fail": "\x1b[31m", "muted": "\x1b[2m"}
_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
NO_LIMIT = 10_000


def render(report: Report, options: Options) -> str:
    """`options.width`: fit tables and paragraphs to it (a terminal); None: never truncate (a pipe, a file)."""
    colour, width = options.colour, options.width or NO_LIMIT
    out = [_bold(inert(report.title), colour)]
    out.extend(_block(b, colour, width) for b in report.blocks)
    return "\n\n".join(p for p in out if p) + "\n"


def _block(block: Block, colour: bool, width: int) -> str:
    match block:
        case Heading(text, _):
            return _bold(inert(text), colour)
        case Paragraph(text, tone):
            return _tone(textwrap.fill(inert(text), width, break_long_words=False), tone, colour)
        case Bullets(items, ordered):
            return "\n".join(_bullet(i, inert(x), ordered, width) for i, x in enumerate(items))
        case KeyValues(pairs):
            key_width = max((len(k) for k, _ in pairs), default=0)
            return "\n".join(f"{inert(k).ljust(key_width)}  {inert(v)}" for k, v in pairs)
        case Table():
            return _table(block, colour, width)
    return ""


def _bullet(index: int, text: str, ordered: bool, width: int) -> str:
    mark = f"{index + 1}. " if ordered else "- "
    return textwrap.fill(text, width, initial_indent=mark, subsequent_indent=" " * len(mark))


def _table(table: Table, colour: bool, width: int) -> str:
    widths = _column_widths(table, width)
    lines = [_bold(table.title, colour)] if table.title else []
    lines.append("  ".join(c.ljust(w) for c, w in zip(table.columns, widths, strict=True)).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    for i, row in enumerate(table.rows):
        tone = table.tones[i] if i < len(table.tones) else ""
        cells = [_fit(c, w) for c, w in zip(row, widths, strict=True)]
        text = "  ".join(cells).rstrip()
        lines.append(_tone(text, tone, colour))
    return "\n".join(lines)


def _column_widths(table: Table, width: int) -> list[int]:
    natural = [max([len(c)] + [len(_cell(r[i])) for r in table.rows]) for i, c in enumerate(table.columns)]
    excess = sum(natural) + 2 * (len(natural) - 1) - width
    # Truncate the columns the table allows, in its order, never below 12 characters; then the widest.
    for index in table.shrink:
        if excess <= 0:
            break
        cut = min(excess, max(natural[index] - 12, 0))
        natural[index] -= cut
        excess -= cut
    while excess > 0 and max(natural) > 12:
        natural[natural.index(max(natural))] -= 1
        excess -= 1
    return natural


def _cell(text: str) -> str:
    return inert(text.replace("\n", " ").replace("\t", " "))


def _fit(text: str, width: int) -> str:
    text = _cell(text)
    return text.ljust(width) if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _tone(text: str, tone: str, colour: bool) -> str:
    if not colour or tone not in _ANSI:
        return text
    return f"{_ANSI[tone]}{text}{_RESET}"


def _bold(text: str, colour: bool) -> str:
    return f"{_BOLD}{text}{_RESET}" if colour and text else text


FORMAT = Format(
    "table", render, "text/plain; charset=utf-8", "aligned tables for a terminal (colour on a TTY)"
)
