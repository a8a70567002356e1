"""`infraprobe report EVIDENCE...`: the handoff report from evidence saved earlier (JSON outputs of check,
analyze, logs and validate, a config, or an evidence folder such as the lab's). Exit 0 when the evidence
shows the environment resolved (validation passed, nothing failing), 1 when not, 2 on a usage error, 3 when
the evidence cannot be read."""

from __future__ import annotations

from pathlib import Path

import click

from infraprobe.cli.common import PATH, Reporting, reporting, write_out
from infraprobe.handoff import build_report, save_report

MARKDOWN = "markdown"


@click.command("report")
@click.argument(
    "evidence",
    nargs=-1,
    required=True,
    type=PATH,
    metavar="EVIDENCE...",
    help="JSON outputs (check, analyze, logs, validate), a config, or a folder",
)
@click.option("--store", metavar="URL", help="history store URL the monitor writes to (commands section)")
@click.option("--addresses", is_flag=True, help="keep IP addresses in the report (masked by default)")
@click.option(
    "--save",
    type=PATH,
    metavar="FOLDER",
    help="write report.md, report.html and report.json into this folder",
)
@reporting(MARKDOWN)
def command(
    evidence: tuple[Path, ...],
    store: str | None,
    addresses: bool,
    save: Path | None,
    out: Reporting,
) -> int:
    """Write the handoff report: root causes and their whys, action items per owner, the checklist."""
    notes = out.notes
    built = build_report(evidence, store=store, addresses=addresses)
    notes(f"evidence read: {len(evidence)} path(s)")
    if save is None:
        out.emit(built)
    else:
        write_out(str(save_report(built, save)))
    return built.exit_code
