"""The values analysis produces: findings, root causes and their five-whys chains. All frozen.

`Analysis.to_dict()` is the stable JSON schema of `infraprobe analyze --format json`; its keys are public API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from infraprobe.facts import FactValue
from infraprobe.result import CheckResult
from infraprobe.taxonomy import Cause


class Severity(StrEnum):
    CRITICAL = "critical"  # could never have worked, or is failing now: a root cause, exit code 1
    WARNING = "warning"  # will hurt under some load or some day; reported, exit code unaffected
    INFO = "info"


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's verdict about the declared (and observed) topology."""

    code: str
    severity: Severity
    components: tuple[str, ...]  # topology names involved; the first is where the problem sits
    summary: str
    evidence: str  # the arithmetic, with every number and where it came from
    fix: str
    explains: frozenset[Cause] = frozenset()  # live failure causes this finding accounts for
    values: Mapping[str, FactValue] = field(default_factory=dict)
    observed: bool = False  # computed from live values rather than declared ones

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))

    @property
    def anchor(self) -> str:
        return self.components[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "components": list(self.components),
            "summary": self.summary,
            "evidence": self.evidence,
            "fix": self.fix,
            "observed": self.observed,
            "values": dict(self.values),
        }


@dataclass(frozen=True, slots=True)
class Why:
    """One link of a five-whys chain, backed by a check result or a finding."""

    component: str
    statement: str
    source: str  # "check", "finding" or "inference"
    ref: str  # the check's component, or the finding's code

    def to_dict(self) -> dict[str, str]:
        return {
            "component": self.component,
            "statement": self.statement,
            "source": self.source,
            "ref": self.ref,
        }


@dataclass(frozen=True, slots=True)
class RootCause:
    component: str
    cause: str  # a taxonomy cause for live failures, a finding code for static ones
    layer: str
    blocked: tuple[str, ...]
    whys: tuple[Why, ...]
    confidence: Confidence
    reason: str  # why the tool is that sure
    origin: str  # "check", "finding" or "path"
    fix: str
    finding: Finding | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "cause": self.cause,
            "layer": self.layer,
            "origin": self.origin,
            "confidence": self.confidence.value,
            "reason": self.reason,
            "blocked": list(self.blocked),
            "whys": [w.to_dict() for w in self.whys],
            "fix": self.fix,
        }


@dataclass(frozen=True, slots=True)
class Analysis:
    environment: str
    root_causes: tuple[RootCause, ...]
    findings: tuple[Finding, ...]
    results: tuple[CheckResult, ...] = ()
    probed: bool = False
    observed: bool = False

    @property
    def critical_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.CRITICAL)

    @property
    def exit_code(self) -> int:
        """0 when there is no root cause and no critical finding, 1 otherwise."""
        return 1 if self.root_causes or self.critical_findings else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "ok": self.exit_code == 0,
            "probed": self.probed,
            "observed": self.observed,
            "root_causes": [r.to_dict() for r in self.root_causes],
            "findings": [f.to_dict() for f in self.findings],
            "results": [r.to_dict() for r in self.results],
        }
