"""The one result type every probe returns and everything downstream consumes.

`CheckResult` and `Diagnosis` are frozen values: the classifier builds diagnoses, probes build results,
and the runner, analysis, stores, health endpoints and renderers only read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from infraprobe.facts import FactValue
from infraprobe.phases import Phase
from infraprobe.taxonomy import CAUSES, Cause, Component, Layer


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"

    @property
    def rank(self) -> int:
        return {"ok": 0, "warn": 1, "fail": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """Why something failed: a cause code, the layer that owns it, and what to do next."""

    cause: Cause
    layer: Layer
    component: Component
    summary: str
    guidance: str
    owner: str
    evidence: str = ""  # the (redacted) error text or observation the diagnosis rests on
    rule: str = ""  # which rule matched, so every diagnosis can be explained

    @classmethod
    def of(
        cls,
        cause: Cause,
        component: Component,
        evidence: str = "",
        *,
        rule: str = "",
        layer: Layer | None = None,
        summary: str | None = None,
    ) -> Diagnosis:
        """Build a diagnosis with the taxonomy's defaults for `cause`."""
        meta = CAUSES[cause]
        return cls(
            cause=cause,
            layer=layer or meta.layer,
            component=component,
            summary=summary or meta.summary,
            guidance=meta.guidance,
            owner=meta.owner,
            evidence=evidence,
            rule=rule,
        )

    def to_dict(self) -> dict[str, str]:
        return {
            "cause": self.cause.value,
            "layer": self.layer.value,
            "component": self.component.value,
            "summary": self.summary,
            "guidance": self.guidance,
            "owner": self.owner,
            "evidence": self.evidence,
            "rule": self.rule,
        }


@dataclass(frozen=True, slots=True)
class PhaseTiming:
    name: Phase
    seconds: float


def _frozen(facts: Mapping[str, FactValue]) -> Mapping[str, FactValue]:
    return MappingProxyType(dict(facts))


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one check of one component."""

    component: str
    kind: str
    status: Status
    started_at: datetime
    duration: float
    phases: tuple[PhaseTiming, ...] = ()
    facts: Mapping[str, FactValue] = field(default_factory=dict)
    diagnosis: Diagnosis | None = None
    message: str = ""  # one line a person reads first: "HTTP 200 in 12 ms", "connection refused"
    critical: bool = True
    category: str = ""

    def __post_init__(self) -> None:
        # Freeze the facts mapping too, so a result handed to several consumers cannot be changed by one.
        object.__setattr__(self, "facts", _frozen(self.facts))

    @property
    def ok(self) -> bool:
        return self.status is not Status.FAIL

    def phase(self, name: Phase) -> float | None:
        for p in self.phases:
            if p.name == name:
                return p.seconds
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "kind": self.kind,
            "status": self.status.value,
            "critical": self.critical,
            "category": self.category,
            "started_at": self.started_at.isoformat(),
            "duration_ms": round(self.duration * 1000, 3),
            "phases_ms": {p.name: round(p.seconds * 1000, 3) for p in self.phases},
            "message": self.message,
            "facts": dict(self.facts),
            "diagnosis": self.diagnosis.to_dict() if self.diagnosis else None,
        }
