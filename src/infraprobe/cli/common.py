"""Helpers shared by the command modules: output streams, colour policy, config loading."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Collection
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

EXIT_USAGE = 2


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


def emit(report: Report, fmt: str, output: Path | None, *, headers: bool = True, quiet: bool = False) -> None:
    """The report on stdout (colour and width for a terminal) and, with --output, plain in FILE.

    `quiet` (tables only): just the report's first paragraph, its verdict."""
    if quiet and fmt == TABLE:
        verdict = next((b for b in report.blocks if isinstance(b, Paragraph)), None)
        report = replace(report, title="", blocks=(verdict,) if verdict else ())
    write_out(render(report, fmt, colour=use_colour(), width=terminal_width(), headers=headers))
    if output is not None:
        by_suffix = {".json": "json", ".md": "markdown"}.get(output.suffix.lower(), fmt)
        try:
            output.write_text(render(report, by_suffix), encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write: {exc.strerror or exc}", field="--output") from None


def use_colour(stream: object = sys.stdout) -> bool:
    """`--color always|never` (which sets these), else FORCE_COLOR (CI logs that render ANSI) and NO_COLOR
    (https://no-color.org), else colour only on a terminal."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def terminal_width(stream: object = sys.stdout) -> int | None:
    """The terminal's width when writing to one; None (no truncation) for pipes and files."""
    isatty = getattr(stream, "isatty", None)
    return shutil.get_terminal_size((120, 40)).columns if isatty and isatty() else None


def console_err(message: str) -> None:
    print(message, file=sys.stderr)


def write_out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def load(path: Path, *, allow_missing_env: bool = False, only: Collection[str] = ()) -> LoadedConfig:
    """Load a config; ConfigError propagates to main(), which prints it as one line and exits 2.

    Placeholder warnings (see `load_config`) go to stderr."""
    from infraprobe.configfile import load_config  # the loader pulls in every probe kind: only when needed

    loaded = load_config(path, allow_missing_env=allow_missing_env, only=only)
    for warning in loaded.warnings:
        console_err(f"warning: {warning}")
    return loaded
