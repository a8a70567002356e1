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
    out.extend(_block(b, colour, width, options.headers) for b in report.blocks)
    return "\n\n".join(p for p in out if p) + "\n"


def _block(block: Block, colour: bool, width: int, headers: bool = True) -> str:
    match block:
        case Heading(text, _):
            return _bold(inert(text), colour)
        case Paragraph(text, tone):
            return _tone("\n".join(wrap(inert(text), width)), tone, colour)
        case Bullets(items, ordered):
            return "\n".join(_bullet(i, inert(x), ordered, width) for i, x in enumerate(items))
        case KeyValues(pairs):
            return _key_values(pairs, width)
        case Table():
            return _table(block, colour, width, headers)
    return ""


def _key_values(pairs: tuple[tuple[str, str], ...], width: int) -> str:
    """`key  value` lines; a long value wraps beneath itself, in the value column. A key longer than half the
    width (a file path) is a line of its own, its value beneath it: the keys never push values off the line."""
    key_width = min(max((len(k) for k, _ in pairs), default=0), width // 2)
    indent = " " * (key_width + 2)
    lines: list[str] = []
    for key, value in pairs:
        lead = inert(key).ljust(key_width) + "  "
        if len(key) > key_width:
            lines.extend(wrap(inert(key), width, "", "  ", hyphens=False))
            lead = indent
        # At spaces only: values hold paths and commands (`/tmp/pytest-of-root/...`), folded only when one
        # is longer than the line.
        wrapped = wrap(_cell(value) or "-", width, lead, indent, hyphens=False)
        lines.extend(wrapped or [lead.rstrip()])
    return "\n".join(lines)


def _bullet(index: int, text: str, ordered: bool, width: int) -> str:
    mark = f"{index + 1}. " if ordered else "- "
    return "\n".join(wrap(text, width, mark, " " * len(mark)))


def _table(table: Table, colour: bool, width: int, headers: bool = True) -> str:
    """One policy for every table: cause, layer and names are never cut. Foldable columns (the table's
    `shrink`, else the last) wrap within their column on a narrow terminal; when even that cannot fit, they
    leave the row and are printed beneath it, indented, wrapped to the terminal. Should the row still be too
    wide, its `spare` columns leave it too, in their order, onto one line beneath it."""
    # A table that names its spare columns names its foldable ones too (maybe none); else the last folds.
    foldable = table.shrink or (() if table.spare else (len(table.columns) - 1,))
    widths = _column_widths(table.columns, table.rows, foldable, width)
    stacked = _span(widths) > width
    shown = [i for i in range(len(widths)) if not (stacked and i in foldable)]
    moved = _spared(table.spare, shown, widths, width) if stacked else []
    shown = [i for i in shown if i not in moved]
    lines = [_bold(table.title, colour)] if table.title and headers else []
    if headers:
        lines.append("  ".join(table.columns[i].ljust(widths[i]) for i in shown).rstrip())
        lines.append("  ".join("-" * widths[i] for i in shown))
    for n, row in enumerate(table.rows):
        tone = table.tones[n] if n < len(table.tones) else ""
        body = _row_lines([row[i] for i in shown], [widths[i] for i in shown], () if stacked else foldable)
        below = [_spare_line(table.columns, row, moved, width)]
        below += [_beneath(table.columns[i], row[i], width) for i in sorted(foldable) if stacked and row[i]]
        lines.extend(_tone(line, tone, colour) for line in body + [x for b in below for x in b])
    return "\n".join(lines)


def _span(widths: list[int]) -> int:
    return sum(widths) + 2 * (len(widths) - 1)


def _spared(spare: tuple[int, ...], shown: list[int], widths: list[int], width: int) -> list[int]:
    """The spare columns that leave the row, in the table's order, until what stays fits the width."""
    moved: list[int] = []
    for index in spare:
        if _span([widths[i] for i in shown if i not in moved]) <= width:
            break
        if index in shown:
            moved.append(index)
    return moved


def _spare_line(columns: tuple[str, ...], row: tuple[str, ...], moved: list[int], width: int) -> list[str]:
    """The moved spare cells of a row, beneath it on one line (`kind: http  time: 9.4 ms`), wrapped."""
    text = "  ".join(f"{columns[i]}: {_cell(row[i])}" for i in sorted(moved) if row[i])
    if not text:
        return []
    # Broken only between cells and words: a name (`vantage-eu-west-1`) stays whole, as in the row, unless
    # it is longer than the line.
    return wrap(text, width, "    ", "      ", hyphens=False)


def _beneath(column: str, text: str, width: int) -> list[str]:
    return wrap(f"{column}: {_cell(text)}", width, "    ", "      ")


def _row_lines(row: list[str], widths: list[int], foldable: tuple[int, ...]) -> list[str]:
    """One row as lines: a foldable cell wraps within its column; no cell is cut."""
    cells = [
        wrap(_cell(c), w) or [""] if i in foldable else [_cell(c)]
        for i, (c, w) in enumerate(zip(row, widths, strict=True))
    ]
    depth = max(len(c) for c in cells)
    return [
        "  ".join((c[n] if n < len(c) else "").ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
        for n in range(depth)
    ]


def _column_widths(
    columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...], foldable: tuple[int, ...], width: int
) -> list[int]:
    """Natural widths; on a narrow terminal the foldable columns give up width (down to 12 characters), in
    the table's order. Other columns (status, names, cause, layer) keep theirs: a line may overflow, but a
    cause is never cut."""
    natural = [max([len(c)] + [len(_cell(r[i])) for r in rows]) for i, c in enumerate(columns)]
    excess = sum(natural) + 2 * (len(natural) - 1) - width
    for index in foldable:
        if excess <= 0:
            break
        cut = min(excess, max(natural[index] - 12, 0))
        natural[index] -= cut
        excess -= cut
    return natural


def wrap(text: str, width: int, first: str = "", rest: str = "", *, hyphens: bool = True) -> list[str]:
    """Lines of at most `width`, broken at spaces (and hyphens, unless `hyphens` is False); a word longer
    than a line (a URL, a path, a host name) starts a line and is folded (see `_Folding`)."""
    wrapper = _Folding(width, initial_indent=first, subsequent_indent=rest, break_on_hyphens=hyphens)
    return wrapper.wrap(text)


class _Folding(textwrap.TextWrapper):
    """textwrap cuts a word longer than the line wherever the line ends (`reports_2` / `026_12`): fold it
    instead after its last `/` in the line's second half, else its last `. : -`, else `_ ? & = , ;`, and
    only there cut it at the line's end. Words that fit a line are never broken.

    `_handle_long_word` is private to CPython's textwrap (undocumented, but its signature and role have not
    changed since Python 2.3): TextWrapper has no public hook for a word longer than the line. Should it
    change, tests/output/formats/test_renderers.py's folding tests fail."""

    def _handle_long_word(
        self, reversed_chunks: list[str], cur_line: list[str], cur_len: int, width: int
    ) -> None:
        if cur_line:
            return  # end this line: the long word starts the next one, with the whole width to fold in
        chunk, room = reversed_chunks[-1], max(width, 1)
        end = _fold_point(chunk, room)
        cur_line.append(chunk[:end])
        reversed_chunks[-1] = chunk[end:]


def _fold_point(word: str, room: int) -> int:
    low = max(room // 2, 1)
    for separators in ("/", ".:-", "_?&=,;"):
        at = max(word.rfind(c, low - 1, room) for c in separators)
        if at + 1 >= low:
            return at + 1
    return room


def _cell(text: str) -> str:
    return inert(text.replace("\n", " ").replace("\t", " "))


def _tone(text: str, tone: str, colour: bool) -> str:
    if not colour or tone not in _ANSI:
        return text
    return f"{_ANSI[tone]}{text}{_RESET}"


def _bold(text: str, colour: bool) -> str:
    return f"{_BOLD}{text}{_RESET}" if colour and text else text


FORMAT = Format(
    "table", render, "text/plain; charset=utf-8", "aligned tables for a terminal (colour on a TTY)"
)
