"""`infraprobe check CONFIG`: probe every component once, concurrently, and explain failures."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from infraprobe.cli.common import PATH, FailOn, Notes, Reporting, fail_on_option, load, reporting
from infraprobe.cli.completion import component_names
from infraprobe.cli.progress import Progress, result_note
from infraprobe.errors import ConfigError, UsageError
from infraprobe.output.views.check import check_report
from infraprobe.result import CheckResult, Status
from infraprobe.runner import check_config, probed, select


@click.command("check")
@click.argument("config", type=PATH, metavar="CONFIG", help="environment config (YAML)")
@click.option(
    "--only",
    multiple=True,
    metavar="NAME",
    help="check only this component (repeatable)",
    shell_complete=component_names,
)
@click.option(
    "--max-in-flight",
    type=click.IntRange(min=1),
    metavar="N",
    help="checks at once (default: what `ulimit -n` allows)",
)
@fail_on_option
@reporting()
def command(
    config: Path,
    only: tuple[str, ...],
    max_in_flight: int | None,
    fail_on: FailOn,
    out: Reporting,
) -> int:
    """Probe every dependency once and say, for each failure, the cause, the layer and what to do."""
    notes = out.notes
    loaded = load(config, only=only)  # unset variables of other components are not needed
    names = set(loaded.config.names)
    for name in only:
        if name not in names:
            raise UsageError(f"no component named {name!r} in {config}", field="--only")
    runnable, _ = probed(select(loaded.config, only))
    if not runnable:  # nothing checked is not a pass
        raise ConfigError(
            f"{config}: nothing to check (no components, or only network paths)", field="components"
        )
    notes(f"config {config}: checking {len(runnable)} of {len(names)} components")
    progress = Progress(total=len(runnable), enabled=out.live and sys.stderr.isatty())
    report = asyncio.run(
        check_config(
            loaded.config,
            only=only,
            redactor=loaded.redactor,
            on_result=lambda result: _note_result(notes, result, progress),
            max_in_flight=max_in_flight,
        )
    )
    progress.close()
    out.emit(check_report(report))
    warned = any(r.critical and r.status is Status.WARN for r in report.results)
    return report.exit_code or int(fail_on is FailOn.WARN and warned)


def _note_result(notes: Notes, result: CheckResult, progress: Progress) -> None:
    progress.done(result)
    notes(result_note(result))
