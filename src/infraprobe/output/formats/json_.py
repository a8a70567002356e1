"""JSON: the report's stable payload, as it is."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from infraprobe import __version__
from infraprobe.output.formats.base import Format, Options
from infraprobe.output.model import Report


def render(report: Report, options: Options) -> str:
    return json.dumps(document(report.kind, report.data), indent=2, sort_keys=False, default=str) + "\n"


def document(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Every JSON document names its schema and the tool's version first, so a consumer can check both."""
    head = {"schema": f"infraprobe.{kind}/v1", "version": __version__} if kind else {}
    return {**head, **data}


FORMAT = Format("json", render, "application/json", "the report's stable machine-readable payload")
