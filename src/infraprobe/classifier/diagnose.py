"""Turning a rule hit into a `Diagnosis`: the phase-dependent cause, the component, the layer, evidence.

Evidence is the line the rule matched, with credentials masked *before* it is trimmed, so a cut can
never leave half a password unmasked.
"""

from __future__ import annotations

from infraprobe.classifier import components
from infraprobe.classifier.model import DEFAULT_COMPONENT, timeout_for_phase
from infraprobe.classifier.text import Hit
from infraprobe.phases import CONNECTED, Phase
from infraprobe.redact import mask_patterns
from infraprobe.result import Diagnosis
from infraprobe.taxonomy import Cause, Component, Layer

EVIDENCE_CHARS = 300
_CARRIED = frozenset({Component.WEBSOCKET, Component.GRPC})
_CARRIERS = frozenset({Component.HTTP, Component.TCP})
# Every credential shape `mask_patterns` knows contains one of these; skipping it otherwise saves
# most of the cost of a diagnosis on the log scanner's hot path.
_SECRET_HINTS = ("@", "pass", "pwd", "secret", "token", "key", "auth", "bearer", "basic")


def resolve_cause(cause: Cause, by_phase: str, phase: str | None) -> Cause:
    """Apply the phase to causes whose meaning depends on it (timeouts, TLS EOFs)."""
    if by_phase == "timeout":
        return timeout_for_phase(cause, phase)
    if by_phase == "eof" and phase in CONNECTED - {Phase.TLS, Phase.HANDSHAKE}:
        # The handshake had completed: an EOF now is the peer dropping an established connection.
        return Cause.CONNECTION_RESET
    return cause


def pick_component(
    cause: Cause,
    implied: Component | None,
    named: Component | None,
    given: Component | None,
    fallback: Component | None = None,
) -> Component:
    """Wording-implied dependency, then one the text names, then the caller's, then the failing layer."""
    if named in _CARRIED and implied in _CARRIERS:
        # a WebSocket opens with an HTTP request and gRPC runs on HTTP/2: the carrier's wordings are theirs
        return named
    return implied or named or given or fallback or DEFAULT_COMPONENT.get(cause, Component.OTHER)


def layer_for(cause: Cause, low: str) -> Layer | None:
    """The layer when it is decided per instance (hostname mismatch), else None for the taxonomy's."""
    if cause is Cause.TLS_HOSTNAME_MISMATCH:
        return components.hostname_mismatch_layer(low)
    return None


def evidence(text: str, start: int = 0, end: int = 0) -> str:
    """The matched line, masked, trimmed around the match to at most EVIDENCE_CHARS."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : line_end if line_end >= 0 else len(text)].strip()
    if not line:
        line = text.strip()
    lowered = line.lower()
    if any(h in lowered for h in _SECRET_HINTS):
        line = mask_patterns(line)
    masked = " ".join(line.split())
    if len(masked) <= EVIDENCE_CHARS:
        return masked
    anchor = masked.lower().find(text[start:end].lower()) if end > start else 0
    begin = max(0, min(anchor - 80, len(masked) - EVIDENCE_CHARS))
    return masked[begin : begin + EVIDENCE_CHARS]


def from_hit(hit: Hit, phase: str | None, given: Component | None) -> Diagnosis:
    cause = resolve_cause(hit.rule.cause, hit.rule.by_phase, phase)
    named = components.detect(hit.text.lower())
    component = pick_component(cause, hit.rule.component, named, given, hit.rule.fallback)
    return Diagnosis.of(
        cause,
        component,
        evidence(hit.text, hit.start, hit.end),
        rule=hit.rule.id,
        layer=layer_for(cause, hit.low[hit.start - 200 if hit.start > 200 else 0 : hit.end + 400]),
    )


def unknown(text: str, given: Component | None, low: str = "") -> Diagnosis:
    named = components.detect(low or text.lower())
    return Diagnosis.of(Cause.UNKNOWN, named or given or Component.OTHER, evidence(text), rule="none")
