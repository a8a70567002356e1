"""The JUnit writer behind `junit.py`, kept apart so only JUnit output imports junitparser.

JUnit XML for CI systems, from a report's cases (`Report.cases`), written with junitparser.

One testcase per case, one testsuite per case suite (a validation category, a check's category); a failure
carries its cause code as the type, a one-line message, and the layer, guidance, evidence and whether it is
critical as its text. Reports without cases render as an empty <testsuites/>.
"""

from __future__ import annotations

import re

from junitparser import Failure, JUnitXml, Skipped, TestCase, TestSuite

from infraprobe.output.model import Case, Report

# XML 1.0 cannot carry most C0 controls at all (not even escaped); a hostile error text must not make
# the file unreadable, so they are shown as \\xNN like the other formats show them.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
DEFAULT_SUITE = "infraprobe"


def render(report: Report) -> str:
    xml = JUnitXml(_clean(report.title))
    suites: dict[str, TestSuite] = {}
    for case in report.cases:
        name = case.suite or DEFAULT_SUITE
        if name not in suites:
            suites[name] = TestSuite(_clean(name))
        suites[name].add_testcase(_case(case))
    for suite in suites.values():
        suite.update_statistics()
        xml.add_testsuite(suite)
    xml.update_statistics()
    data: bytes = xml.tostring()
    return '<?xml version="1.0" encoding="utf-8"?>\n' + data.decode("utf-8") + "\n"


def _case(case: Case) -> TestCase:
    classname = f"{case.suite}.{case.group}" if case.suite else case.group
    out = TestCase(_clean(case.name), _clean(classname), round(case.seconds, 3))
    if case.status == "fail":
        failure = Failure(_clean(f"{case.cause or 'failed'}: {case.message}"), _clean(case.cause) or None)
        failure.text = _clean(_details(case))
        out.result = [failure]
    elif case.status == "skip":
        out.result = [Skipped(_clean(case.message))]
    if case.message:
        out.system_out = _clean(case.message)
    return out


def _details(case: Case) -> str:
    lines = [f"cause: {case.cause}", f"layer: {case.layer}"] if case.cause else []
    lines += [f"next: {case.guidance}"] if case.guidance else []
    lines += [f"evidence: {case.evidence}"] if case.evidence else []
    lines.append(f"critical: {'yes, this failure fails the run' if case.critical else 'no'}")
    return "\n".join(lines)


def _clean(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
