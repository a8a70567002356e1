"""Building the report from paths and writing it: the one place the CLI (`--save`) and the lab share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from infraprobe.config.model import ReportSettings
from infraprobe.configfile import load_config
from infraprobe.handoff.evidence import load_evidence
from infraprobe.handoff.history import read_samples
from infraprobe.logs import scan
from infraprobe.output.formats import FORMATS, render
from infraprobe.output.model import Report
from infraprobe.output.views.handoff import Context, Evidence, Scrub, handoff_report

# What a saved report is: the formats a person opens, and the JSON the next run reads its checklist from.
SAVED = {"report.md": "markdown", "report.html": "html", "report.json": "json"}


def build_report(paths: Sequence[Path], *, store: str | None = None, addresses: bool = False) -> Report:
    """The handoff report over `paths` (JSON outputs, a config, evidence folders)."""
    evidence = load_evidence(paths)
    scrub = Scrub(addresses=addresses or _config_allows_addresses(evidence))
    context = _context(evidence, paths, store, scrub)
    if context.store:
        evidence = replace(evidence, samples=read_samples(context.store))
    if evidence.log_files:  # logs given as they are: read now, with the same scanner `infraprobe logs` uses
        outputs = {**evidence.outputs, "logs": scan(evidence.log_files).to_dict()}
        evidence = replace(evidence, outputs=outputs)
    return handoff_report(evidence, context)


def _config_allows_addresses(evidence: Evidence) -> bool:
    """Addresses stay in the report only where the config says so (`report: {addresses: true}`).

    The report needs no secret from the config, so unset `${VAR}`s are placeholders here."""
    if evidence.config is None:
        return False
    settings = load_config(evidence.config, allow_missing_env=True).sections.get("report")
    return isinstance(settings, ReportSettings) and settings.addresses


def save_report(report: Report, folder: Path) -> Path:
    """Write every saved format into `folder`; returns the file people open (HTML, else markdown)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {name: folder / name for name, fmt in SAVED.items() if fmt in FORMATS}
    for name, path in written.items():
        path.write_text(render(report, SAVED[name]), encoding="utf-8")
    return written.get("report.html", written["report.md"])


def _context(evidence: Evidence, paths: Sequence[Path], store: str | None, scrub: Scrub) -> Context:
    history = f"sqlite:///{evidence.history}" if evidence.history else ""
    config = str(evidence.config) if evidence.config else "CONFIG"
    return Context(config, " ".join(str(p) for p in paths), store or history, scrub)
