"""`infraprobe report EVIDENCE...`: the handoff report from evidence saved earlier (JSON outputs of check,
analyze, logs and validate, a config, or an evidence folder such as the lab's). Exit 0 when the evidence
shows the environment resolved (validation passed, nothing failing), 1 when not, 2 on a usage error, 3 when
the evidence cannot be read."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from infraprobe.cli.common import (
    FormatOption,
    NoHeadersOption,
    Notes,
    OutputOption,
    QuietOption,
    VerboseOption,
    emit,
    write_out,
)
from infraprobe.handoff import build_report, save_report

MARKDOWN = "markdown"


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("report")(report)


def report(
    evidence: Annotated[
        list[Path],
        typer.Argument(help="JSON outputs (check, analyze, logs, validate), a config, or a folder"),
    ],
    fmt: FormatOption = MARKDOWN,
    store: Annotated[
        str | None, typer.Option("--store", help="history store URL the monitor writes to (commands section)")
    ] = None,
    addresses: Annotated[
        bool, typer.Option("--addresses", help="keep IP addresses in the report (masked by default)")
    ] = False,
    save: Annotated[
        Path | None,
        typer.Option("--save", help="write report.md, report.html and report.json into this folder"),
    ] = None,
    output: OutputOption = None,
    no_headers: NoHeadersOption = False,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Write the handoff report: root causes and their whys, action items per owner, the checklist."""
    notes = Notes(verbose)
    built = build_report(evidence, store=store, addresses=addresses)
    notes(f"evidence read: {len(evidence)} path(s)")
    if save is None:
        emit(built, fmt, output, headers=not no_headers, quiet=quiet, notes=notes)
    else:
        write_out(str(save_report(built, save)))
    raise typer.Exit(built.exit_code)
