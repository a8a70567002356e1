"""`infraprobe logs PATH... | -`: what failed in these logs, how often, since when, and why."""

from __future__ import annotations

import sys

import click

from infraprobe.cli.common import EXIT_CONFIG, Reporting, choices, console_err, reporting
from infraprobe.cli.progress import ReadProgress
from infraprobe.errors import UsageError
from infraprobe.logs import Expectation, LogSummary, scan
from infraprobe.output.views.logs import logs_report
from infraprobe.taxonomy import Component


@click.command("logs")
@click.argument(
    "paths",
    nargs=-1,
    metavar="[PATH]...",
    help="log files (plain, gzip, JSON lines, JSON exports); '-' is stdin",
)
@click.option(
    "--since", metavar="WHEN", help="only events at/after: ISO 8601, or a duration ago (15m, 2h, 1d)"
)
@click.option("--until", metavar="WHEN", help="only events at/before (same forms)")
@click.option(
    "--component",
    multiple=True,
    metavar="NAME",
    help="only failures of this component (repeatable, any case)",
    shell_complete=choices([c.value for c in Component]),
)
@click.option(
    "--expect-none",
    multiple=True,
    metavar="CAUSE[:COMPONENT]",
    help="CAUSE[:COMPONENT] that must not occur; exit 1 if it does (repeatable)",
)
@click.option(
    "--progress/--no-progress",
    "show_progress",
    default=None,
    show_default=False,
    help="bytes read, on stderr, for inputs over 32 MB (default: on when stderr is a terminal)",
)
@reporting()
def command(
    paths: tuple[str, ...],
    since: str | None,
    until: str | None,
    component: tuple[str, ...],
    expect_none: tuple[str, ...],
    show_progress: bool | None,
    out: Reporting,
) -> int:
    """Find failures in logs, classify them with the probe taxonomy, and say when they started and why."""
    notes = out.notes
    if not paths and sys.stdin.isatty():
        raise UsageError("no input: give log files, or pipe a log into `infraprobe logs -`", field="PATH")
    expectations = [_expectation(text) for text in expect_none]
    components = [_component(name) for name in component]
    live = sys.stderr.isatty()
    # Asked for or not, by default off under -v: its notes go to stderr too.
    asked = live and not notes.enabled if show_progress is None else show_progress
    progress = ReadProgress(enabled=asked, live=live)
    try:
        summary = scan(
            paths or ["-"],
            since=since,
            until=until,
            component=components,
            expect_none=expectations,
            workers=None,  # the CLI owns its process: one worker per CPU for large files
            progress=progress,
        )
    except ValueError as exc:  # only argument errors reach here: input problems are counted, not raised
        raise UsageError(str(exc), field="--since/--until") from None
    finally:
        progress.close()
    for source in summary.sources:
        notes(f"read {source.name}: {source.bytes} bytes, {source.lines} lines")
    notes(f"{summary.candidates} candidate lines classified (prefilter: {summary.prefilter})")
    out.emit(logs_report(summary))
    return _exit_code(summary, bool(expectations))


def _exit_code(summary: LogSummary, expecting: bool) -> int:
    """1 when an --expect-none cause occurred; 3 when input could not be read and so nothing can be
    concluded: no input at all, or any unreadable input under --expect-none (absence unproven)."""
    unreadable = [s for s in summary.sources if s.error]
    for source in unreadable:
        console_err(f"{'error' if expecting else 'warning'}: {source.name}: {source.error}")
    if unreadable and (expecting or all(not s.bytes for s in summary.sources)):
        return EXIT_CONFIG
    return 1 if summary.failed else 0


def _component(name: str) -> Component:
    try:
        return Component(name.lower())
    except ValueError:
        choices = ", ".join(c.value for c in Component)
        raise UsageError(f"unknown component {name!r}; one of: {choices}", field="--component") from None


def _expectation(text: str) -> Expectation:
    try:
        return Expectation.parse(text)
    except ValueError as exc:
        raise UsageError(str(exc), field="--expect-none") from None
