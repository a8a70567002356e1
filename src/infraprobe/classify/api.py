"""Placeholder entry point; the rule tables replace this module's internals."""

from __future__ import annotations

from infraprobe.result import Diagnosis
from infraprobe.taxonomy import Cause, Component


def classify(
    subject: str | BaseException,
    *,
    phase: str | None = None,
    component: Component | None = None,
) -> Diagnosis:
    text = subject if isinstance(subject, str) else f"{type(subject).__name__}: {subject}"
    return Diagnosis.of(Cause.UNKNOWN, component or Component.OTHER, text, rule="none")
