"""JUnit XML for CI: one testcase per case, one testsuite per case suite (see `_junitxml`)."""

from __future__ import annotations

from infraprobe.output.formats.base import Format, Options
from infraprobe.output.model import Report


def render(report: Report, options: Options) -> str:
    # junitparser and the XML stack under it cost ~60 ms to import: only JUnit output pays for them.
    from infraprobe.output.formats import _junitxml

    return _junitxml.render(report)


FORMAT = Format(
    "junit", render, "application/xml", "JUnit XML for CI: one test case per check, suites by category"
)
