"""The rule type shared by the text tables, and the defaults every rule falls back on.

A rule is tried only when one of its `needles` (lowercase literals) occurs in the lowercased text; the
union of all needles is `SIGNATURES`, so "no needle, no diagnosis" holds by construction and the log
scanner can prefilter lines with a literal matcher without missing anything a rule would catch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from infraprobe.taxonomy import Cause, Component

# The failing layer a cause points at when the text names no dependency.
DEFAULT_COMPONENT: dict[Cause, Component] = {
    Cause.DNS_FAILURE: Component.DNS,
    Cause.CONNECTION_REFUSED: Component.TCP,
    Cause.CONNECT_TIMEOUT: Component.TCP,
    Cause.READ_TIMEOUT: Component.TCP,
    Cause.CONNECTION_RESET: Component.TCP,
    Cause.NETWORK_UNREACHABLE: Component.TCP,
    Cause.TLS_CERTIFICATE_EXPIRED: Component.TLS,
    Cause.TLS_UNTRUSTED_CERTIFICATE: Component.TLS,
    Cause.TLS_HANDSHAKE_FAILED: Component.TLS,
    Cause.TLS_HOSTNAME_MISMATCH: Component.TLS,
    Cause.UPSTREAM_UNAVAILABLE: Component.HTTP,
    Cause.WEBSOCKET_REJECTED: Component.WEBSOCKET,
}

# Phases after which a TCP connection exists, so a timeout there means "no answer", not "no connection".
CONNECTED_PHASES = frozenset(
    {"tls", "handshake", "auth", "request", "first_byte", "transfer", "query", "message"}
)


@dataclass(frozen=True, slots=True)
class Rule:
    """One text signature: cheap literal gate, then a regex over the lowercased text."""

    id: str
    cause: Cause
    needles: tuple[str, ...]
    pattern: re.Pattern[str]
    component: Component | None = None  # a dependency the wording itself implies (e.g. NOAUTH -> redis)
    weak: bool = False  # generic wording: loses to any specific rule elsewhere in a chain
    by_phase: str = ""  # "timeout" or "eof": the cause depends on the phase it happened in
    fallback: Component | None = None  # the failing layer when no dependency is named (default: by cause)
    # a match whose line also matches this is skipped: a benign line that shares the rule's wording
    # (nginx's "[warn] an upstream response is buffered to a temporary file ... while reading upstream")
    unless: re.Pattern[str] | None = None


def rule(
    rule_id: str,
    cause: Cause,
    needles: str | tuple[str, ...],
    regex: str | None = None,
    *,
    component: Component | None = None,
    weak: bool = False,
    by_phase: str = "",
    fallback: Component | None = None,
    unless: str | None = None,
) -> Rule:
    """Build a rule; without `regex` the needles themselves are the (literal) pattern."""
    needles = (needles,) if isinstance(needles, str) else needles
    for needle in needles:
        if needle != needle.lower():
            raise ValueError(f"rule {rule_id}: needle {needle!r} must be lowercase")
    source = regex if regex is not None else "|".join(re.escape(n) for n in needles)
    return Rule(
        rule_id,
        cause,
        needles,
        re.compile(source),
        component,
        weak,
        by_phase,
        fallback,
        re.compile(unless) if unless is not None else None,
    )


def timeout_for_phase(default: Cause, phase: str | None) -> Cause:
    """Resolve a generic timeout with the phase it happened in (a text rule's own default otherwise)."""
    if phase is None:
        return default
    if phase == "dns":
        return Cause.DNS_FAILURE
    if phase in CONNECTED_PHASES:
        return Cause.READ_TIMEOUT
    return Cause.CONNECT_TIMEOUT
