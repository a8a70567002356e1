"""JUnit from check and logs reports: one case per component (suites by category) or per cause found, read back
by junitparser."""

from __future__ import annotations

from pathlib import Path

from junitparser import Failure, JUnitXml

from infraprobe.configfile import parse_config
from infraprobe.logs import scan
from infraprobe.output.formats import render
from infraprobe.output.views.check import check_report
from infraprobe.output.views.logs import logs_report
from infraprobe.runner import check_config
from infraprobe.testing.httpservers import HttpServer
from infraprobe.testing.netfaults import ClosedPort


async def test_check_results_round_trip_through_a_junit_reader(app: HttpServer) -> None:
    with ClosedPort() as closed:
        text = (
            "components:\n"
            f"  - {{name: api, kind: http, url: '{app.url('/ok')}', category: web}}\n"
            f"  - {{name: cache, kind: tcp, host: 127.0.0.1, port: {closed.port}, category: data}}\n"
        )
        report = await check_config(parse_config(text).config)
    xml = JUnitXml.fromstring(render(check_report(report), "junit"))
    suites = {s.name: list(s) for s in xml}
    assert list(suites) == ["web", "data"]
    assert [c.name for c in suites["web"]] == ["api"] and suites["web"][0].is_passed
    (failure,) = suites["data"][0].result
    assert isinstance(failure, Failure) and failure.type == "connection_refused"
    assert "layer: infrastructure" in failure.text and "next: " in failure.text


def test_log_findings_are_cases_failing_only_when_an_expectation_forbids_them(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text(
        "2026-12-06T08:00:00Z ERROR Error -3 connecting to cache:6379. Temporary failure in name resolution\n"
        '2026-12-06T08:00:01Z ERROR FATAL:  password authentication failed for user "app"\n'
    )
    summary = scan([str(log)], expect_none=["dns_failure"], workers=1)
    xml = JUnitXml.fromstring(render(logs_report(summary), "junit"))
    cases = {c.name: c for suite in xml for c in suite}
    assert set(cases) == {"dns_failure on redis", "auth_failed on postgres"}
    (failure,) = cases["dns_failure on redis"].result
    assert isinstance(failure, Failure) and "app.log:1" in failure.text
    assert cases["auth_failed on postgres"].is_passed  # found, but nothing forbade it: the exit code is 0 too
