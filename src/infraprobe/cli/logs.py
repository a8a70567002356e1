"""`infraprobe logs PATH... | -`: what failed in these logs, how often, since when, and why."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from infraprobe.cli.common import EXIT_USAGE, TABLE, FormatOption, console_err, use_colour, write_out
from infraprobe.cli.progress import ReadProgress
from infraprobe.errors import ConfigError
from infraprobe.logs import Expectation, scan
from infraprobe.output.formats import render
from infraprobe.output.views.logs import logs_report
from infraprobe.taxonomy import Component


def register(app: typer.Typer) -> None:
    app.command("logs")(logs)


def logs(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="log files (plain, gzip, JSON lines, JSON exports); '-' is stdin"),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="only events at/after: ISO 8601, or a duration ago (15m, 2h, 1d)"),
    ] = None,
    until: Annotated[str | None, typer.Option("--until", help="only events at/before (same forms)")] = None,
    component: Annotated[
        Component | None, typer.Option("--component", help="only failures of this component")
    ] = None,
    expect_none: Annotated[
        list[str] | None,
        typer.Option(
            "--expect-none", help="CAUSE[:COMPONENT] that must not occur; exit 1 if it does (repeatable)"
        ),
    ] = None,
    fmt: FormatOption = TABLE,
) -> None:
    """Find failures in logs, classify them with the probe taxonomy, and say when they started and why."""
    if not paths and sys.stdin.isatty():
        raise ConfigError("no input: give log files, or pipe a log into `infraprobe logs -`", field="PATH")
    expectations = [_expectation(text) for text in expect_none or ()]
    progress = ReadProgress(enabled=sys.stderr.isatty())
    try:
        summary = scan(
            paths or ["-"],
            since=since,
            until=until,
            component=component,
            expect_none=expectations,
            workers=None,  # the CLI owns its process: one worker per CPU for large files
            progress=progress,
        )
    except ValueError as exc:  # only argument errors reach here: input problems are counted, not raised
        raise ConfigError(str(exc), field="--since/--until") from None
    finally:
        progress.close()
    write_out(render(logs_report(summary), fmt, colour=use_colour()))
    if summary.sources and all(s.error and not s.bytes for s in summary.sources):
        for source in summary.sources:
            console_err(f"error: {source.name}: {source.error}")
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(1 if summary.failed else 0)


def _expectation(text: str) -> Expectation:
    try:
        return Expectation.parse(text)
    except ValueError as exc:
        raise ConfigError(str(exc), field="--expect-none") from None
