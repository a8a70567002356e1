"""Assertions shared by the network probe tests."""

from __future__ import annotations

from typing import Any

from infraprobe.result import CheckResult, Status
from infraprobe.taxonomy import Cause, Layer


def phase_names(result: CheckResult) -> list[str]:
    return [p.name for p in result.phases]


def assert_healthy(result: CheckResult, phases: list[str]) -> None:
    """OK, exactly these phases in order, none negative."""
    assert result.status is Status.OK, (result.message, result.diagnosis)
    assert phase_names(result) == phases
    assert all(p.seconds >= 0 for p in result.phases)


def assert_failed(
    result: CheckResult, cause: Cause, *, phase: str | None = None, layer: Layer | None = None
) -> None:
    """FAIL with this cause; when given, the last timed phase (where it failed) and the layer."""
    assert result.status is Status.FAIL, result.message
    assert result.diagnosis is not None
    if phase is not None:
        assert result.phases[-1].name == phase, phase_names(result)
    assert result.diagnosis.cause is cause, (result.diagnosis, result.message)
    if layer is not None:
        assert result.diagnosis.layer is layer, result.diagnosis


def fact_dict(result: CheckResult, key: str) -> dict[str, Any]:
    value = result.facts[key]
    assert isinstance(value, dict), value
    return value


def fact_list(result: CheckResult, key: str) -> list[Any]:
    value = result.facts[key]
    assert isinstance(value, list), value
    return value
