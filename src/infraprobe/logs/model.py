"""What a log scan returns: frozen values a view, a test or an embedder reads, never changes.

`LogSummary` is the whole answer: findings per (cause, component), clusters of unexplained errors, a
histogram of when failures happened, assertion violations, and what could not be read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from infraprobe.taxonomy import Cause, Component, Layer


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


@dataclass(frozen=True, slots=True)
class Expectation:
    """`CAUSE[:COMPONENT]`: a cause that must not appear (optionally only for one component)."""

    cause: Cause
    component: Component | None = None

    @classmethod
    def parse(cls, text: str) -> Expectation:
        """Parse `CAUSE[:COMPONENT]`; ValueError names the valid choices."""
        cause_text, _, component_text = text.strip().partition(":")
        try:
            cause = Cause(cause_text.strip().lower())
        except ValueError:
            raise ValueError(f"unknown cause {cause_text!r}; one of: {', '.join(Cause)}") from None
        if not component_text:
            return cls(cause)
        try:
            return cls(cause, Component(component_text.strip().lower()))
        except ValueError:
            choices = ", ".join(Component)
            raise ValueError(f"unknown component {component_text!r}; one of: {choices}") from None

    def matches(self, cause: Cause, component: Component) -> bool:
        return cause is self.cause and (self.component is None or component is self.component)

    def __str__(self) -> str:
        return f"{self.cause.value}:{self.component.value}" if self.component else self.cause.value


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One event, located: where it is, when it happened, and its most telling line (secrets masked)."""

    source: str
    line: int
    time: datetime | None
    text: str
    fields: Mapping[str, Any] = field(default_factory=dict)  # the JSON record's other fields, if any

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))

    def __reduce__(self) -> tuple[Any, ...]:
        # A mapping proxy cannot be pickled: scan workers send occurrences to the parent.
        return (Occurrence, (self.source, self.line, self.time, self.text, dict(self.fields)))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "line": self.line, "time": _iso(self.time)}
        out["text"] = self.text
        if self.fields:
            out["fields"] = dict(self.fields)
        return out


@dataclass(frozen=True, slots=True)
class Finding:
    """Every event of one cause on one component: how many, since when, an example and what to do."""

    cause: Cause
    component: Component
    layer: Layer
    count: int
    first_seen: datetime | None
    last_seen: datetime | None
    example: Occurrence
    summary: str
    guidance: str
    owner: str
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "cause": self.cause.value,
            "component": self.component.value,
            "layer": self.layer.value,
            "count": self.count,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "summary": self.summary,
            "guidance": self.guidance,
            "owner": self.owner,
            "rule": self.rule,
            "example": self.example.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Cluster:
    """Errors no signature explains, grouped by template, so a new failure kind is seen, not dropped."""

    template: str
    count: int
    first_seen: datetime | None
    last_seen: datetime | None
    example: Occurrence

    def to_dict(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "count": self.count,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "example": self.example.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Histogram:
    """Failure events per time bucket and cause; buckets are contiguous, so gaps show as zeros."""

    bucket_seconds: int
    causes: tuple[str, ...]  # column order: most frequent first; "unknown" is unexplained errors
    buckets: tuple[tuple[datetime, tuple[int, ...]], ...]  # (bucket start, one count per cause)

    def to_dict(self) -> dict[str, Any]:
        rows = [{"start": s.isoformat(), **dict(zip(self.causes, c, strict=True))} for s, c in self.buckets]
        return {"bucket_seconds": self.bucket_seconds, "causes": list(self.causes), "buckets": rows}


@dataclass(frozen=True, slots=True)
class Violation:
    """An `--expect-none` assertion and the events that broke it (the first few, and how many in all)."""

    expectation: Expectation
    count: int
    occurrences: tuple[Occurrence, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "expect_none": str(self.expectation),
            "count": self.count,
            "occurrences": [o.to_dict() for o in self.occurrences],
        }


@dataclass(frozen=True, slots=True)
class SourceStats:
    """One input: how much was read, and why it stopped early if it did."""

    name: str
    bytes: int
    lines: int
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "bytes": self.bytes, "lines": self.lines, "error": self.error or None}


@dataclass(frozen=True, slots=True)
class LogSummary:
    """The result of scanning one or more logs."""

    findings: tuple[Finding, ...]  # most frequent first
    clusters: tuple[Cluster, ...]  # most frequent first
    histogram: Histogram
    violations: tuple[Violation, ...]
    sources: tuple[SourceStats, ...]
    candidates: int  # lines the literal prefilter passed on to full classification
    events: int  # failure events counted (after --since/--until/--component)
    skipped: Mapping[str, int]  # reason -> lines or streams not examined
    repaired: int  # candidate lines with invalid UTF-8, read with replacement characters
    untimed: int  # counted events with no timestamp of their own or inherited
    since: datetime | None = None
    until: datetime | None = None
    components: tuple[Component, ...] = ()  # the --component filter (empty: every component)
    prefilter: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "skipped", MappingProxyType(dict(self.skipped)))

    @property
    def lines(self) -> int:
        return sum(s.lines for s in self.sources)

    @property
    def bytes(self) -> int:
        return sum(s.bytes for s in self.sources)

    @property
    def failed(self) -> bool:
        """True when an `--expect-none` assertion matched at least one event."""
        return any(v.count for v in self.violations)

    def to_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "bytes": self.bytes,
            "candidates": self.candidates,
            "events": self.events,
            "skipped": dict(self.skipped),
            "repaired": self.repaired,
            "untimed": self.untimed,
            "since": _iso(self.since),
            "until": _iso(self.until),
            "components": [c.value for c in self.components],
            "prefilter": self.prefilter,
            "sources": [s.to_dict() for s in self.sources],
            "findings": [f.to_dict() for f in self.findings],
            "clusters": [c.to_dict() for c in self.clusters],
            "histogram": self.histogram.to_dict(),
            "violations": [v.to_dict() for v in self.violations],
        }
