"""The check view: one verdict (`Case`) per result, for the per-check formats (JUnit, Prometheus text)."""

from __future__ import annotations

from datetime import UTC, datetime

from infraprobe.output.views.check import check_report
from infraprobe.phases import Phase
from infraprobe.result import CheckResult, Diagnosis, PhaseTiming, Status
from infraprobe.runner import CheckReport
from infraprobe.taxonomy import Cause, Component

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def _result(name: str, status: Status, diagnosis: Diagnosis | None = None) -> CheckResult:
    phases = (PhaseTiming(Phase.DNS, 0.001), PhaseTiming(Phase.CONNECT, 0.002))
    return CheckResult(name, "tcp", status, NOW, 0.004, phases, diagnosis=diagnosis, message=f"{name} said")


def test_one_case_per_result_with_cause_and_phases() -> None:
    refused = Diagnosis.of(Cause.CONNECTION_REFUSED, Component.TCP, "refused")
    results = (_result("api", Status.OK), _result("db", Status.FAIL, refused))
    report = check_report(CheckReport("staging", NOW, 0.01, results))
    ok, failed = report.cases
    assert (ok.name, ok.group, ok.status, ok.cause) == ("api", "tcp", "ok", "")
    assert (failed.status, failed.cause, failed.layer) == ("fail", "connection_refused", "infrastructure")
    assert failed.message == "db said" and failed.seconds == 0.004
    assert failed.phases == (("dns", 0.001), ("connect", 0.002))
    assert report.exit_code == 1
