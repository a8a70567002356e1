"""`infraprobe analyze CONFIG`: name the root causes across the environment and show the arithmetic.

By default the component checks run (live failures are the symptoms to explain) and the topology's
numbers are checked statically; `--no-probe` skips the checks, `--observe` also compares the declared
numbers with what the live servers report and uses the observed limits in the arithmetic.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from infraprobe.analysis import analyze as run_analysis
from infraprobe.analysis import observations_from
from infraprobe.cli.common import PATH, Reporting, load, reporting
from infraprobe.cli.progress import Progress
from infraprobe.config.model import Config
from infraprobe.configfile.topology_file import load_topology
from infraprobe.errors import ConfigError, UsageError
from infraprobe.output.views.analyze import analysis_report
from infraprobe.redact import Redactor
from infraprobe.result import CheckResult
from infraprobe.runner import check_config


@click.command("analyze")
@click.argument("config", type=PATH, metavar="CONFIG", help="environment config (YAML)")
@click.option("--no-probe", is_flag=True, help="static analysis only: run no checks")
@click.option("--observe", is_flag=True, help="compare declared limits, names and addresses with live values")
@click.option(
    "--topology", type=PATH, metavar="FILE", help="topology in a file of its own (instead of a section)"
)
@reporting()
def command(
    config: Path,
    no_probe: bool,
    observe: bool,
    topology: Path | None,
    out: Reporting,
) -> int:
    """Name the independent root causes, what each blocks and why, and the numbers that cannot work."""
    notes = out.notes
    if no_probe and observe:
        raise UsageError("needs the checks to run; drop --no-probe", field="--observe")
    loaded = load(config)
    if not loaded.config.components:  # no root cause among no components is not a pass
        raise ConfigError(f"{config}: nothing to analyze (no components)", field="components")
    notes(f"config {config}: {len(loaded.config.components)} components")
    topo = load_topology(topology, loaded) if topology is not None else None
    results = () if no_probe else _run_checks(loaded.config, loaded.redactor, out.live)
    notes(f"checks: {len(results)} run" + (", with observed values" if observe else ""))
    observations = observations_from(results) if observe else None
    analysis = run_analysis(loaded, results, observations, topology=topo)
    notes("analysis done")
    out.emit(analysis_report(analysis))
    return analysis.exit_code


def _run_checks(config: Config, redactor: Redactor, live: bool) -> tuple[CheckResult, ...]:
    progress = Progress(total=len(config.components), enabled=live and sys.stderr.isatty())
    report = asyncio.run(check_config(config, redactor=redactor, on_result=progress.done))
    progress.close()
    return report.results
