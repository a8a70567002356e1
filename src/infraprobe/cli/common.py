"""Helpers shared by the command modules: output streams, colour and width policy, config loading, the
flags every command shares (`-o`, `--output`, `-q`, `-v`, `--no-headers`) and the exit codes."""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from infraprobe.errors import ConfigError
from infraprobe.output.formats import FORMATS, render

if TYPE_CHECKING:
    from infraprobe.configfile import LoadedConfig
    from infraprobe.output.model import Report

# The exit codes, the same for every command (docs/cli.md has the table).
EXIT_OK = 0
EXIT_FAILED = 1  # something the command checks failed
EXIT_USAGE = 2  # the command line is wrong (click's own usage errors use 2 as well)
EXIT_CONFIG = 3  # the config, or an input or output file, cannot be used: nothing can be concluded
EXIT_INTERRUPTED = 130

# Piped or redirected, tables fold to this width (a CI log, `less`), unless COLUMNS says otherwise.
PIPE_WIDTH = 80
TABLE = "table"
# `--output FILE`: the format a file's extension names (a CI artifact: `report.html`, JUnit as `results.xml`).
OUTPUT_SUFFIXES = {".json": "json", ".md": "markdown", ".html": "html", ".htm": "html", ".xml": "junit"}

F = TypeVar("F", bound=Callable[..., Any])
# Every path on the command line arrives as a Path; existence is the loader's to report (exit 3, not 2).
PATH = click.Path(path_type=Path)


def choices(values: Collection[str]) -> Callable[[click.Context, click.Parameter, str], list[str]]:
    """Shell completion offering `values` (read when completing, so a registry is only loaded then)."""
    return lambda ctx, param, incomplete: [v for v in values if v.startswith(incomplete)]


# Every report format the renderers know, read from their registry: a new renderer is a new choice here.
# Case-insensitive, like every other choice on the command line.
def _known_format(ctx: click.Context, param: click.Parameter, value: str) -> str:
    name = value.lower()
    if name not in FORMATS:
        raise click.BadParameter(f"{value!r} is not one of {', '.join(FORMATS)}")
    return name


def format_option(default: str = TABLE) -> Callable[[F], F]:
    return click.option(
        "--format",
        "-o",
        "-f",
        "fmt",
        default=default,
        callback=_known_format,
        shell_complete=choices(FORMATS),
        metavar="FORMAT",
        help=f"output format: {', '.join(FORMATS)}",
    )


output_option = click.option(
    "--output",
    type=PATH,
    metavar="FILE",
    help="also write the report to FILE (format from its extension: .json, .md, .html, .xml; else --format)",
)


class FailOn(StrEnum):
    FAIL = "fail"
    WARN = "warn"


def enum_choice(enum: type[StrEnum]) -> click.Choice[Any]:
    """A choice of the enum's values, in any case; the callback receives the enum member."""
    return click.Choice(list(enum), case_sensitive=False)


fail_on_option = click.option(
    "--fail-on",
    type=enum_choice(FailOn),
    default=FailOn.FAIL.value,
    metavar="LEVEL",
    help="exit 1 on a critical check at this level or worse: fail (default) or warn",
)
no_headers_option = click.option("--no-headers", is_flag=True, help="tables without their header lines")


def quiet_option(help: str = "print only the verdict line; the exit code says the rest") -> Callable[[F], F]:
    return click.option("--quiet", "-q", is_flag=True, help=help)


def verbose_option(
    help: str = "also say on stderr what was read and how long each step took",
) -> Callable[[F], F]:
    return click.option("--verbose", "-v", is_flag=True, help=help)


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
    from infraprobe.output.model import Paragraph  # with the first report, not with `--help` (start-up)

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


@dataclass(frozen=True, slots=True)
class Reporting:
    """The flags every reporting command shares, as the one value its callback receives (`out`)."""

    fmt: str
    output: Path | None
    headers: bool
    quiet: bool
    notes: Notes

    @property
    def live(self) -> bool:
        """Whether a progress line may share the terminal: a table, and no -v notes on stderr."""
        return self.fmt == TABLE and not self.notes.enabled

    def emit(self, report: Report, mask: Callable[[str], str] = str) -> None:
        emit(
            report, self.fmt, self.output, headers=self.headers, quiet=self.quiet, notes=self.notes, mask=mask
        )


def reporting(default_format: str = TABLE, *, headers: bool = True) -> Callable[[Callable[..., Any]], Any]:
    """The shared flags, after the command's own (-o, --output, --no-headers, -q, -v), handed to its
    callback as `out: Reporting`."""
    shared = [format_option(default_format), output_option]
    shared += [no_headers_option] if headers else []
    shared += [quiet_option(), verbose_option()]

    def apply(function: Callable[..., Any]) -> Any:
        @functools.wraps(function)
        def with_flags(
            *args: Any, fmt: str, output: Path | None, quiet: bool, verbose: bool, **kwargs: Any
        ) -> Any:
            shown = not kwargs.pop("no_headers", False)
            return function(*args, out=Reporting(fmt, output, shown, quiet, Notes(verbose)), **kwargs)

        wrapped: Any = with_flags
        for option in reversed(shared):  # click lists options in the order their decorators are read
            wrapped = option(wrapped)
        return wrapped

    return apply


def write_file(report: Report, output: Path, fmt: str, mask: Callable[[str], str] = str) -> None:
    """`--output FILE`: the report, plain, in the format FILE's extension names, else `fmt`."""
    by_suffix = OUTPUT_SUFFIXES.get(output.suffix.lower(), fmt)
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
    if not (isatty and isatty()):
        return PIPE_WIDTH
    # What shutil.get_terminal_size reads once COLUMNS is ruled out, without importing shutil (and with it
    # bz2 and lzma) into every command's start-up (issue 10).
    try:
        size = os.get_terminal_size(sys.__stdout__.fileno())  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return PIPE_WIDTH
    return size.columns if size.columns > 0 else PIPE_WIDTH


def console_err(message: str) -> None:
    print(message, file=sys.stderr)


def write_out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def load(path: Path, *, allow_missing_env: bool = False, only: Collection[str] = ()) -> LoadedConfig:
    """Load a config; ConfigError propagates to main(), which prints it as one line and exits 3.

    Placeholder warnings (see `load_config`) and deprecated field names go to stderr."""
    from infraprobe.configfile import load_config  # the loader pulls in every probe kind: only when needed

    loaded = load_config(path, allow_missing_env=allow_missing_env, only=only)
    for warning in (*loaded.warnings, *loaded.deprecations):
        console_err(f"warning: {warning}")
    return loaded
