"""JSON: the report's stable payload, as it is."""

from __future__ import annotations

import json

from infraprobe.output.formats.base import Format, Options
from infraprobe.output.model import Report


def render(report: Report, options: Options) -> str:
    return json.dumps(report.data, indent=2, sort_keys=False, default=str) + "\n"


FORMAT = Format("json", render, "application/json", "the report's stable machine-readable payload")
