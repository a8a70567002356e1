"""`infraprobe report EVIDENCE...`: the handoff report from evidence saved earlier (JSON outputs of check,
analyze, logs and validate, a config, or an evidence folder such as the lab's). Exit 0 when the evidence
shows the environment resolved (validation passed, nothing failing), 1 when not, 2 on bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from infraprobe.cli.common import FormatOption, use_colour, write_out
from infraprobe.handoff import build_report, save_report
from infraprobe.output.formats import render

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
) -> None:
    """Write the handoff report: root causes and their whys, action items per owner, the checklist."""
    built = build_report(evidence, store=store, addresses=addresses)
    write_out(render(built, fmt, colour=use_colour()) if save is None else str(save_report(built, save)))
    raise typer.Exit(built.exit_code)
