"""`infraprobe report EVIDENCE...`: the handoff report from evidence saved earlier (JSON outputs of check,
analyze, logs and validate, a config, or an evidence folder such as the lab's). Exit 0 when the evidence
shows the environment resolved (validation passed, nothing failing), 1 when not, 2 on bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from infraprobe.cli.common import FormatOption, use_colour, write_out
from infraprobe.handoff import Evidence, load_evidence
from infraprobe.output.formats import FORMATS, render
from infraprobe.output.model import Report
from infraprobe.output.views.handoff import Context, Scrub, handoff_report

MARKDOWN = "markdown"
# What `--save` writes: the formats a person opens, and the JSON the next run reads its checklist from.
SAVED = {"report.md": MARKDOWN, "report.html": "html", "report.json": "json"}


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
    loaded = load_evidence(evidence)
    context = _context(loaded, evidence, store, Scrub(addresses=addresses))
    built = handoff_report(loaded, context)
    if save is None:
        write_out(render(built, fmt, colour=use_colour()))
    else:
        write_out(str(_save(built, save)))
    raise typer.Exit(built.exit_code)


def _context(loaded: Evidence, paths: list[Path], store: str | None, scrub: Scrub) -> Context:
    history = f"sqlite:///{loaded.history}" if loaded.history else ""
    config = str(loaded.config) if loaded.config else "CONFIG"
    return Context(config, " ".join(str(p) for p in paths), store or history, scrub)


def _save(built: Report, folder: Path) -> Path:
    """Write every saved format into `folder`; the path people open (HTML, else markdown) is returned."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {name: folder / name for name, fmt in SAVED.items() if fmt in FORMATS}
    for name, path in written.items():
        path.write_text(render(built, SAVED[name]), encoding="utf-8")
    return written.get("report.html", written["report.md"])
