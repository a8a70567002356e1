"""`infraprobe classify` diagnoses as a Report."""

from __future__ import annotations

from typing import Any

from infraprobe.output.model import KeyValues, Paragraph, Report
from infraprobe.redact import mask_patterns
from infraprobe.result import Diagnosis

_FIELDS = ("cause", "layer", "component", "summary", "guidance", "owner", "rule")


def diagnosis_payload(d: Diagnosis) -> dict[str, Any]:
    """The JSON object for one diagnosis; credential-shaped text in the evidence is masked."""
    out: dict[str, Any] = d.to_dict()
    out["evidence"] = mask_patterns(out["evidence"])
    return out


def classify_report(d: Diagnosis) -> Report:
    payload = diagnosis_payload(d)
    pairs = KeyValues(tuple((name, str(payload[name])) for name in _FIELDS))
    verdict = Paragraph(f"{d.cause.value} ({d.layer.value}, {d.component.value})")  # what `-q` keeps
    return Report("infraprobe classify", (verdict, pairs), payload, kind="classify")
