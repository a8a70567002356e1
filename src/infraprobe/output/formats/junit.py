"""JUnit XML for CI systems: a report's test suites (`Report.suites`), built with junitparser.

One testcase per check, one testsuite per category; a failure carries its cause code as the type, a
one-line message, and the cause, layer, guidance and evidence as its text. Reports that are not checks
(analyze, logs) have no suites and render as an empty <testsuites/>.
"""

from __future__ import annotations

import re

from junitparser import Failure, JUnitXml, TestCase, TestSuite

from infraprobe.output.model import Case, CaseSuite, Report

# XML 1.0 cannot carry most C0 controls at all (not even escaped); a hostile error text must not make
# the file unreadable, so they are shown as \xNN like the other renderers show them.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render(report: Report) -> str:
    xml = JUnitXml(_clean(report.title))
    for suite in report.suites:
        xml.add_testsuite(_suite(suite))
    xml.update_statistics()
    data: bytes = xml.tostring()
    return '<?xml version="1.0" encoding="utf-8"?>\n' + data.decode("utf-8") + "\n"


def _suite(suite: CaseSuite) -> TestSuite:
    out = TestSuite(_clean(suite.name))
    for name, value in suite.properties:
        out.add_property(_clean(name), _clean(value))
    out.add_testcases([_case(c) for c in suite.cases])
    out.update_statistics()
    return out


def _case(case: Case) -> TestCase:
    out = TestCase(_clean(case.name), _clean(case.classname), round(case.seconds, 3))
    if case.failure:
        failure = Failure(_clean(case.failure), _clean(case.failure_type) or None)
        failure.text = _clean(case.details)
        out.result = [failure]
    if case.output:
        out.system_out = _clean(case.output)
    return out


def _clean(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
