"""Helpers shared by the command modules: output streams, colour and width policy, config loading, the
flags every command shares (`-o`, `--output`, `-q`, `-v`, `--no-headers`) and the exit codes."""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable, Collection
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from infraprobe.errors import ConfigError
from infraprobe.output.formats import FORMATS, render
from infraprobe.output.model import Paragraph, Report

if TYPE_CHECKING:
    from infraprobe.configfile import LoadedConfig

# The exit codes, the same for every command (docs/cli.md has the table).
EXIT_OK = 0
EXIT_FAILED = 1  # something the command checks failed
EXIT_USAGE = 2  # the command line is wrong (click's own usage errors use 2 as well)
EXIT_CONFIG = 3  # the config, or an input or output file, cannot be used: nothing can be concluded
EXIT_INTERRUPTED = 130

# Piped or redirected, tables fold to this width (a CI log, `less`), unless COLUMNS says otherwise.
PIPE_WIDTH = 80


# Every report format the renderers know, read from their registry: a new renderer is a new choice here.
# Case-insensitive, like every other choice on the command line.
def _known_format(value: str) -> str:
    name = value.lower()
    if name not in FORMATS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(FORMATS)}")
    return name


FormatOption = Annotated[
    str,
    typer.Option(
        "--format",
        "-o",
        "-f",
        callback=_known_format,
        autocompletion=lambda: list(FORMATS),
        metavar="FORMAT",
        help=f"output format: {', '.join(FORMATS)}",
    ),
]
TABLE = "table"

OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        help="also write the report to FILE (format from its extension: .json, .md; else --format)",
    ),
]


class FailOn(StrEnum):
    FAIL = "fail"
    WARN = "warn"


FailOnOption = Annotated[
    FailOn,
    typer.Option(
        "--fail-on",
        case_sensitive=False,
        help="exit 1 on a critical check at this level or worse: fail (default) or warn",
    ),
]


NoHeadersOption = Annotated[bool, typer.Option("--no-headers", help="tables without their header lines")]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="print only the verdict line; the exit code says the rest")
]
VerboseOption = Annotated[
    bool,
    typer.Option("--verbose", "-v", help="also say on stderr what was read and how long each step took"),
]


class Notes:
    """`-v`: one line per step on stderr (`infraprobe: 12 ms: config env.yaml: 3 components`), so stdout
    stays the report alone, a JSON document included."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._start = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.enabled:
            elapsed = (time.perf_counter() - self._start) * 1000
            console_err(f"infraprobe: {elapsed:.0f} ms: {message}")


def emit(
    report: Report,
    fmt: str,
    output: Path | None = None,
    *,
    headers: bool = True,
    quiet: bool = False,
    notes: Notes | None = None,
    mask: Callable[[str], str] = str,
) -> None:
    """The report on stdout (colour and width for a terminal) and, with --output, plain in FILE.

    `quiet` (tables only): just the report's first paragraph, its verdict, on stdout; FILE gets it whole. `mask`: a last masking pass
    over the rendered text, for reports built from stored text (the history)."""
    shown = report
    if quiet and fmt == TABLE:
        verdict = next((b for b in report.blocks if isinstance(b, Paragraph)), None)
        shown = replace(report, title="", blocks=(verdict,) if verdict else ())
    width = None if quiet else terminal_width()  # the verdict stays one line, whatever its length
    write_out(mask(render(shown, fmt, colour=use_colour(), width=width, headers=headers)))
    if notes is not None:
        notes(f"wrote the report ({fmt}) to stdout")
    if output is not None:
        write_file(report, output, fmt, mask)


def write_file(report: Report, output: Path, fmt: str, mask: Callable[[str], str] = str) -> None:
    """`--output FILE`: the report, plain, in the format FILE's extension names (.json, .md), else `fmt`."""
    by_suffix = {".json": "json", ".md": "markdown"}.get(output.suffix.lower(), fmt)
    try:
        output.write_text(mask(render(report, by_suffix)), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {output}: {exc.strerror or exc}", field="--output") from None


def use_colour(stream: object = sys.stdout) -> bool:
    """`--color always|never` (which sets these), else FORCE_COLOR (CI logs that render ANSI) and NO_COLOR
    (https://no-color.org), else colour only on a terminal."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def terminal_width(stream: object = sys.stdout) -> int:
    """The width tables fold to: COLUMNS when set, else the terminal's, else 80 (a pipe, a file, a CI log).

    Folding never cuts a cause or a layer (see the table renderer); it keeps a traceback in a detail cell
    from becoming one 300-character line, on a terminal and in a CI log alike."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    isatty = getattr(stream, "isatty", None)
    return shutil.get_terminal_size((PIPE_WIDTH, 40)).columns if isatty and isatty() else PIPE_WIDTH


def console_err(message: str) -> None:
    print(message, file=sys.stderr)


def write_out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def load(path: Path, *, allow_missing_env: bool = False, only: Collection[str] = ()) -> LoadedConfig:
    """Load a config; ConfigError propagates to main(), which prints it as one line and exits 3.

    Placeholder warnings (see `load_config`) go to stderr."""
    from infraprobe.configfile import load_config  # the loader pulls in every probe kind: only when needed

    loaded = load_config(path, allow_missing_env=allow_missing_env, only=only)
    for warning in loaded.warnings:
        console_err(f"warning: {warning}")
    return loaded
