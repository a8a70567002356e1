"""What a validation run returns: frozen values every view, the JUnit file and the pytest plugin read.

`ValidationReport.to_dict()` is the stable JSON document (`schema: infraprobe.validate/v1`): fields may
be added within v1, never renamed or removed; a breaking change bumps the version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from infraprobe import __version__
from infraprobe.configfile.validation import Form
from infraprobe.facts import FactValue
from infraprobe.result import CheckResult, Diagnosis

SCHEMA = "infraprobe.validate/v1"
RATE = "pass_rate"
CRITICAL = "critical_categories"


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """One validation check: passed or not, why, and the probe results it rests on."""

    id: str  # "category/label", unique in a run: JUnit, pytest and --only use it
    name: str
    category: str
    critical: bool  # its category's
    form: Form
    target: str  # the component, the flow, or the log files
    passed: bool
    duration: float
    message: str  # one line: "19 of 20 passed (1 connection_refused)", "healthy after 5.0 s"
    diagnosis: Diagnosis | None = None  # the (first) failure's, when there is one
    attempts: tuple[CheckResult, ...] = ()  # probe results: attempts, the last poll, or flow steps
    facts: Mapping[str, FactValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "facts", MappingProxyType(dict(self.facts)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "category": self.category,
            "critical": self.critical,
            "form": self.form.value,
            "target": self.target,
            "passed": self.passed,
            "duration_ms": round(self.duration * 1000, 3),
            "message": self.message,
            "diagnosis": self.diagnosis.to_dict() if self.diagnosis else None,
            "facts": dict(self.facts),
            "attempts": [a.to_dict() for a in self.attempts],
        }


@dataclass(frozen=True, slots=True)
class CategoryOutcome:
    name: str
    critical: bool
    checks: tuple[CheckOutcome, ...]

    @property
    def passed(self) -> int:
        return sum(c.passed for c in self.checks)

    @property
    def failed(self) -> int:
        return len(self.checks) - self.passed

    @property
    def ok(self) -> bool:
        return self.failed == 0

    @property
    def rate(self) -> float:
        return self.passed / len(self.checks) if self.checks else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "critical": self.critical,
            "ok": self.ok,
            "passed": self.passed,
            "failed": self.failed,
            "pass_rate": round(self.rate, 4),
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """Pass when the pass rate reaches the threshold and every critical category passes.

    `decided_by` names the criteria that failed, or both when the run passed (both were needed).
    """

    passed: bool
    rate: float
    threshold: float
    failed_critical: tuple[str, ...]
    decided_by: tuple[str, ...]
    reason: str

    @classmethod
    def of(cls, categories: tuple[CategoryOutcome, ...], threshold: float) -> Verdict:
        checks = [c for cat in categories for c in cat.checks]
        rate = sum(c.passed for c in checks) / len(checks) if checks else 0.0
        failed_critical = tuple(c.name for c in categories if c.critical and not c.ok)
        rate_ok = rate >= threshold
        failed = ([] if rate_ok else [RATE]) + ([CRITICAL] if failed_critical else [])
        reason = _reason(rate, threshold, failed_critical, sum(c.critical for c in categories))
        return cls(not failed, rate, threshold, failed_critical, tuple(failed or (RATE, CRITICAL)), reason)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "pass_rate": round(self.rate, 4),
            "threshold": self.threshold,
            "failed_critical_categories": list(self.failed_critical),
            "decided_by": list(self.decided_by),
            "reason": self.reason,
        }


def _reason(rate: float, threshold: float, failed_critical: tuple[str, ...], criticals: int) -> str:
    compare = ">=" if rate >= threshold else "<"
    rate_text = f"pass rate {rate:.0%} {compare} threshold {threshold:.0%}"
    if failed_critical:
        names = ", ".join(failed_critical)
        return f"critical categor{'y' if len(failed_critical) == 1 else 'ies'} failed: {names} ({rate_text})"
    if rate < threshold:
        return rate_text
    return f"{rate_text}, and all {criticals} critical categories passed"


@dataclass(frozen=True, slots=True)
class ValidationReport:
    environment: str
    started_at: datetime
    duration: float
    categories: tuple[CategoryOutcome, ...]
    verdict: Verdict
    selection: Mapping[str, Any] = field(default_factory=dict)  # suite, categories, only: as asked

    @property
    def checks(self) -> tuple[CheckOutcome, ...]:
        return tuple(c for cat in self.categories for c in cat.checks)

    @property
    def failures(self) -> tuple[CheckOutcome, ...]:
        return tuple(c for c in self.checks if not c.passed)

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code

    def to_dict(self) -> dict[str, Any]:
        checks = self.checks
        return {
            "schema": SCHEMA,
            "version": __version__,  # as every JSON document has it (docs/cli.md); `tool` kept for v1 readers
            "tool": {"name": "infraprobe", "version": __version__},
            "environment": self.environment,
            "started_at": self.started_at.isoformat(),
            "duration_ms": round(self.duration * 1000, 3),
            "selection": dict(self.selection),
            "summary": {
                "checks": len(checks),
                "passed": sum(c.passed for c in checks),
                "failed": sum(not c.passed for c in checks),
            },
            "verdict": self.verdict.to_dict(),
            "categories": [c.to_dict() for c in self.categories],
            "checks": [c.to_dict() for c in checks],
        }
