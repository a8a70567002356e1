"""Find and explain failures in logs, with the same taxonomy as the probes.

    summary = infraprobe.logs.scan(["app.log", "app.log.1.gz"], since="2h", component="redis")
    for finding in summary.findings:
        print(finding.cause, finding.component, finding.count, finding.first_seen, finding.example.text)

Input: plain text, gzip, JSON lines, and JSON documents as cloud logging exports write them. Streaming
with bounded memory; a literal/regex prefilter (hyperscan when available) picks the candidate lines, and
only those are grouped into events (tracebacks), timed and classified. See docs/logs.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infraprobe._lazy import lazy_getattr

if TYPE_CHECKING:
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

# Imported on first use (see `_lazy`): the config loader reads `logs.timestamps` to check `since:` values,
# and must not pay for the scanner (about 40 ms) to do so.
_MODEL_NAMES = ("Cluster", "Expectation", "Finding", "Histogram", "LogSummary", "Occurrence", "SourceStats")
__getattr__ = lazy_getattr(
    __name__,
    {
        **dict.fromkeys(("TextClassifier", "scan"), "infraprobe.logs.api"),
        **dict.fromkeys((*_MODEL_NAMES, "Violation"), "infraprobe.logs.model"),
    },
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
