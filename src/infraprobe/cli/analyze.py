"""`infraprobe analyze CONFIG`: name the root causes across the environment and show the arithmetic.

By default the component checks run (live failures are the symptoms to explain) and the topology's
numbers are checked statically; `--no-probe` skips the checks, `--observe` also compares the declared
numbers with what the live servers report and uses the observed limits in the arithmetic.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer

from infraprobe.analysis import analyze as run_analysis
from infraprobe.analysis import observations_from
from infraprobe.cli.common import (
    TABLE,
    FormatOption,
    NoHeadersOption,
    Notes,
    OutputOption,
    QuietOption,
    VerboseOption,
    emit,
    load,
)
from infraprobe.cli.progress import Progress
from infraprobe.config.model import Config
from infraprobe.configfile.topology_file import load_topology
from infraprobe.errors import UsageError
from infraprobe.output.views.analyze import analysis_report
from infraprobe.redact import Redactor
from infraprobe.result import CheckResult
from infraprobe.runner import check_config


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("analyze")(analyze)


def analyze(
    config: Annotated[Path, typer.Argument(help="environment config (YAML)")],
    fmt: FormatOption = TABLE,
    no_probe: Annotated[bool, typer.Option("--no-probe", help="static analysis only: run no checks")] = False,
    observe: Annotated[
        bool, typer.Option("--observe", help="compare declared limits, names and addresses with live values")
    ] = False,
    topology: Annotated[
        Path | None, typer.Option("--topology", help="topology in a file of its own (instead of a section)")
    ] = None,
    output: OutputOption = None,
    no_headers: NoHeadersOption = False,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Name the independent root causes, what each blocks and why, and the numbers that cannot work."""
    notes = Notes(verbose)
    if no_probe and observe:
        raise UsageError("needs the checks to run; drop --no-probe", field="--observe")
    loaded = load(config)
    notes(f"config {config}: {len(loaded.config.components)} components")
    topo = load_topology(topology, loaded) if topology is not None else None
    results = () if no_probe else _run_checks(loaded.config, loaded.redactor, fmt == TABLE and not verbose)
    notes(f"checks: {len(results)} run" + (", with observed values" if observe else ""))
    observations = observations_from(results) if observe else None
    analysis = run_analysis(loaded, results, observations, topology=topo)
    notes("analysis done")
    emit(analysis_report(analysis), fmt, output, headers=not no_headers, quiet=quiet, notes=notes)
    raise typer.Exit(analysis.exit_code)


def _run_checks(config: Config, redactor: Redactor, live: bool) -> tuple[CheckResult, ...]:
    progress = Progress(total=len(config.components), enabled=live and sys.stderr.isatty())
    report = asyncio.run(check_config(config, redactor=redactor, on_result=progress.done))
    progress.close()
    return report.results
