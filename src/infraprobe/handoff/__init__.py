"""The handoff report: read the evidence other commands saved, build one report from it.

`load_evidence(paths)` reads JSON outputs (check, analyze, logs, validate) and a config from files or
evidence folders; `output.views.handoff.handoff_report(evidence, ...)` turns them into a `Report` with a
pure function, and the format registry renders it (markdown, html, json).
"""

from infraprobe.handoff.evidence import Evidence, load_evidence

__all__ = ["Evidence", "load_evidence"]
