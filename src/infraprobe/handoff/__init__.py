"""The handoff report: read the evidence other commands saved, build one report from it, write it.

`load_evidence(paths)` reads JSON outputs (check, analyze, logs, validate), a previous report and a config
from files or evidence folders; `build_report` turns them into a `Report` (through the pure view
`output.views.handoff`), and `save_report` writes its markdown, HTML and JSON next to the evidence.
"""

from infraprobe.handoff.evidence import load_evidence
from infraprobe.handoff.save import build_report, save_report
from infraprobe.output.views.handoff import Evidence

__all__ = ["Evidence", "build_report", "load_evidence", "save_report"]
