"""What every format shares: the renderer signature, its options, and the registry entry type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from infraprobe.output.model import Report


@dataclass(frozen=True, slots=True)
class Options:
    """What the place the output goes to asks for. Formats ignore what does not apply to them."""

    colour: bool = False  # ANSI colour: a terminal that wants it (the CLI decides from the TTY and NO_COLOR)
    width: int | None = None  # fit to this many columns (a terminal); None: never truncate
    headers: bool = True  # table header lines (--no-headers: rows only, for grep and awk)


Renderer = Callable[[Report, Options], str]


@dataclass(frozen=True, slots=True)
class Format:
    """One registry entry: everything the CLI (`--format`), the docs and a file writer need to know."""

    name: str
    render: Renderer
    media_type: str  # what an HTTP endpoint or an upload would send it as
    summary: str
