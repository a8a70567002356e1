"""JSON Schema of `ValidationReport.to_dict()` (`infraprobe.validate/v1`), for the tools that read it.

The handoff report and the lab read validation JSON; this schema is the contract they can check against,
and a test holds every real report to it. Within v1 fields may be added (objects stay open below the top
level's known keys); renaming or removing one needs a v2.
"""

from __future__ import annotations

from typing import Any

from infraprobe.validate.outcome import SCHEMA

_STR: dict[str, Any] = {"type": "string"}
_NUM: dict[str, Any] = {"type": "number"}
_INT: dict[str, Any] = {"type": "integer", "minimum": 0}
_BOOL: dict[str, Any] = {"type": "boolean"}
_CRITERIA: dict[str, Any] = {"type": "array", "items": {"enum": ["pass_rate", "critical_categories"]}}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


_DIAGNOSIS = {
    "oneOf": [
        {"type": "null"},
        _object(
            dict.fromkeys(
                ("cause", "layer", "component", "summary", "guidance", "owner", "evidence", "rule"), _STR
            )
        ),
    ]
}

_CHECK = _object(
    {
        "id": _STR,
        "name": _STR,
        "category": _STR,
        "critical": _BOOL,
        "form": {"enum": ["once", "consistently", "within", "logs", "flow"]},
        "target": _STR,
        "passed": _BOOL,
        "duration_ms": _NUM,
        "message": _STR,
        "diagnosis": _DIAGNOSIS,
        "facts": {"type": "object"},
        "attempts": {
            "type": "array",
            "items": {"type": "object", "required": ["component", "status", "phases_ms"]},
        },
    }
)

_CATEGORY = _object(
    {"name": _STR, "critical": _BOOL, "ok": _BOOL, "passed": _INT, "failed": _INT, "pass_rate": _NUM}
)

OUTPUT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": SCHEMA,
    **_object(
        {
            "schema": {"const": SCHEMA},
            "version": _STR,
            "tool": _object({"name": {"const": "infraprobe"}, "version": _STR}),
            "environment": _STR,
            "started_at": _STR,
            "duration_ms": _NUM,
            "selection": _object(
                {
                    "suite": {"type": ["string", "null"]},
                    "categories": {"type": "array", "items": _STR},
                    "only": {"type": "array", "items": _STR},
                }
            ),
            "summary": _object({"checks": _INT, "passed": _INT, "failed": _INT}),
            "verdict": _object(
                {
                    "passed": _BOOL,
                    "pass_rate": _NUM,
                    "threshold": _NUM,
                    "failed_critical_categories": {"type": "array", "items": _STR},
                    "decided_by": _CRITERIA,
                    "reason": _STR,
                }
            ),
            "categories": {"type": "array", "items": _CATEGORY},
            "checks": {"type": "array", "items": _CHECK},
        }
    ),
}
