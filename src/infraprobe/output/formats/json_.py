"""JSON: the report's stable payload, as it is."""

from __future__ import annotations

import json

from infraprobe.output.model import Report


def render(report: Report) -> str:
    return json.dumps(report.data, indent=2, sort_keys=False, default=str) + "\n"
