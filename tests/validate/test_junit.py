"""`infraprobe check --format junit`: one case per component, one suite per category, read back by junitparser."""

from __future__ import annotations

from junitparser import Failure, JUnitXml

from infraprobe.config import parse_config
from infraprobe.output.formats import render
from infraprobe.output.views.check import check_report
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
