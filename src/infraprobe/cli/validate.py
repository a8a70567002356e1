"""`infraprobe validate CONFIG`: run the config's validation suite and exit with the verdict.

Exit 0 when the pass rate reaches the threshold and every critical category passed, 1 when not, 2 for a
usage error, 3 for a config error. `--junit FILE` also writes the JUnit XML for CI, whatever `--format` prints.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import click

from infraprobe.cli.common import PATH, Reporting, load, reporting
from infraprobe.cli.completion import component_names
from infraprobe.errors import ConfigError
from infraprobe.output.formats import render
from infraprobe.output.views.validate import validation_report
from infraprobe.validate.engine import Selection, plan, validate, validation_of
from infraprobe.validate.outcome import CheckOutcome

# Without a terminal (CI logs), a long check says it is still running at most this often.
QUIET_NOTE_SECONDS = 10.0


@click.command("validate")
@click.argument(
    "config", type=PATH, metavar="CONFIG", help="environment config (YAML) with a validation: section"
)
@click.option("--suite", metavar="NAME", help="run this named suite of categories")
@click.option("--category", multiple=True, metavar="NAME", help="run only this category (repeatable)")
@click.option(
    "--only",
    multiple=True,
    metavar="NAME",
    help="run only checks with this id, name, component or flow (repeatable)",
    shell_complete=component_names,
)
@click.option("--junit", type=PATH, metavar="FILE", help="also write JUnit XML to this file")
@reporting()
def command(
    config: Path,
    suite: str | None,
    category: tuple[str, ...],
    only: tuple[str, ...],
    junit: Path | None,
    out: Reporting,
) -> int:
    """Prove a fix: run the validation checks by category and judge them against the threshold."""
    notes = out.notes
    loaded = load(config)
    selection = Selection(suite, category, only)
    total = len(plan(validation_of(loaded), selection))  # usage errors before anything runs
    if junit is not None and not junit.parent.is_dir():
        raise ConfigError(f"cannot write {junit}: no such directory", field="--junit")
    notes(f"config {config}: {total} validation checks selected")
    progress = Progress(total, sys.stderr, live=out.live and sys.stderr.isatty())
    outcome = asyncio.run(validate(loaded, selection, listener=progress))
    progress.close()
    report = validation_report(outcome)
    # No masking of the rendered text: values were masked by structure as they entered the results.
    out.emit(report)
    if junit is not None:
        _write(junit, render(report, "junit"))
    return outcome.exit_code


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}", field="--junit") from None


class Progress:
    """On a terminal, one redrawn line; elsewhere (CI), a line when a long check is still running."""

    def __init__(
        self, total: int, stream: TextIO, *, live: bool, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.total, self.stream, self.live = total, stream, live
        self.finished = self.failed = 0
        self._last_note: dict[str, float] = {}
        self._clock = clock

    def note(self, check_id: str, text: str) -> None:
        if self.live:
            self._draw(f"{check_id}: {text}")
            return
        now = self._clock()
        if now - self._last_note.setdefault(check_id, now) >= QUIET_NOTE_SECONDS:
            self._last_note[check_id] = now
            self.stream.write(f"validate: {check_id}: {text}\n")
            self.stream.flush()

    def done(self, outcome: CheckOutcome) -> None:
        self.finished += 1
        self.failed += not outcome.passed
        if self.live:
            self._draw(f"{outcome.id}: {'pass' if outcome.passed else 'fail'}")

    def _draw(self, last: str) -> None:
        line = f"validating {self.finished}/{self.total} ({self.failed} failed) {last}"
        self.stream.write("\r\x1b[2K" + line[:110])
        self.stream.flush()

    def close(self) -> None:
        if self.live:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
