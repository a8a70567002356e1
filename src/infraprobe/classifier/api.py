"""Public entry points: `classify` dispatches to the text or the exception classifier."""

from __future__ import annotations

from infraprobe.classifier import diagnose
from infraprobe.classifier import text as text_rules
from infraprobe.result import Diagnosis
from infraprobe.taxonomy import Component


def classify_text(text: str, *, phase: str | None = None, component: Component | None = None) -> Diagnosis:
    """Diagnose an error text: a message, a log line, or a whole traceback."""
    hit = text_rules.match(text)
    if hit is None:
        return diagnose.unknown(text, component)
    return diagnose.from_hit(hit, phase, component)


def classify(
    subject: str | BaseException,
    *,
    phase: str | None = None,
    component: Component | None = None,
) -> Diagnosis:
    """Diagnose an error text or a live exception; `phase` is the probe phase it happened in."""
    if isinstance(subject, BaseException):
        # The exception tables (and the client libraries' types they name) are for live exceptions only:
        # classifying a text, as `infraprobe classify` and `logs` do, does not import them.
        from infraprobe.classifier.exceptions import classify_exception

        return classify_exception(subject, phase=phase, component=component)
    return classify_text(subject, phase=phase, component=component)
