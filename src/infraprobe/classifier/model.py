"""The rule type shared by the text tables, and the defaults every rule falls back on.

A rule is tried only when one of its `needles` (lowercase literals) occurs in the lowercased text; the
union of all needles is `SIGNATURES`, so "no needle, no diagnosis" holds by construction and the log
scanner can prefilter lines with a literal matcher without missing anything a rule would catch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from infraprobe.phases import CONNECTED
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


# Compiled on first use: a text reaches a rule only when one of its needles occurs, so most runs compile a
# handful of the several hundred patterns, and start-up (`infraprobe logs`, `classify`) pays for none. The
# component table (components.py) compiles its patterns the same way, for the same reason.
_COMPILED: dict[str, re.Pattern[str]] = {}


def compiled(source: str) -> re.Pattern[str]:
    pattern = _COMPILED.get(source)
    if pattern is None:
        pattern = _COMPILED[source] = re.compile(source)
    return pattern


@dataclass(frozen=True, slots=True)
class Rule:
    """One text signature: cheap literal gate, then a regex over the lowercased text."""

    id: str
    cause: Cause
    needles: tuple[str, ...]
    source: str  # the regex, as text: the log scanner hands it to hyperscan
    component: Component | None = None  # a dependency the wording itself implies (e.g. NOAUTH -> redis)
    weak: bool = False  # generic wording: loses to any specific rule elsewhere in a chain
    by_phase: str = ""  # "timeout" or "eof": the cause depends on the phase it happened in
    fallback: Component | None = None  # the failing layer when no dependency is named (default: by cause)
    # a match whose line also matches this is skipped: a benign line that shares the rule's wording
    # (nginx's "[warn] an upstream response is buffered to a temporary file ... while reading upstream")
    unless_source: str | None = None
    # A looser regex the log scanner's hyperscan pass runs instead of `source` when `source` is slow there
    # (a long context before the deciding word makes hyperscan track it on every line that has the context).
    # It must match wherever `source` does, ending on the same line; the classifier itself never reads it.
    prefilter: str | None = None

    @property
    def pattern(self) -> re.Pattern[str]:
        return compiled(self.source)

    @property
    def unless(self) -> re.Pattern[str] | None:
        return None if self.unless_source is None else compiled(self.unless_source)


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
    prefilter: str | None = None,
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
        source,
        component,
        weak,
        by_phase,
        fallback,
        unless,
        prefilter,
    )


def timeout_for_phase(default: Cause, phase: str | None) -> Cause:
    """Resolve a generic timeout with the phase it happened in (a text rule's own default otherwise)."""
    if phase is None:
        return default
    if phase == "dns":
        return Cause.DNS_FAILURE
    if phase in CONNECTED:
        return Cause.READ_TIMEOUT
    return Cause.CONNECT_TIMEOUT
