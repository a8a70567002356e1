"""Find and explain failures in logs, with the same taxonomy as the probes.

    summary = infraprobe.logs.scan(["app.log", "app.log.1.gz"], since="2h", component="redis")
    for finding in summary.findings:
        print(finding.cause, finding.component, finding.count, finding.first_seen, finding.example.text)

Input: plain text, gzip, JSON lines, and JSON documents as cloud logging exports write them. Streaming
with bounded memory; a literal/regex prefilter (hyperscan when available) picks the candidate lines, and
only those are grouped into events (tracebacks), timed and classified. See docs/logs.md.
"""

from __future__ import annotations

from infraprobe.logs.api import TextClassifier, scan
from infraprobe.logs.model import (
    Cluster,
    Expectation,
    Finding,
    Histogram,
    LogSummary,
    Occurrence,
    SourceStats,
    Violation,
)

__all__ = [
    "Cluster",
    "Expectation",
    "Finding",
    "Histogram",
    "LogSummary",
    "Occurrence",
    "SourceStats",
    "TextClassifier",
    "Violation",
    "scan",
]
