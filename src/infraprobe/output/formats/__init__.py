"""The one format registry: every command's `--format`, and every other writer of reports, renders through it.

A format is a pure function `(Report, Options) -> str` in its own module with a `FORMAT` entry, listed once
below. Adding one (junit, html, Prometheus text) is that module, its line here, a golden file and a docs
mention; commands and `--format` pick it up from this registry.
"""

from __future__ import annotations

from infraprobe.output.formats import html, json_, junit, markdown, text
from infraprobe.output.formats.base import Format, Options
from infraprobe.output.model import Report

FORMATS: dict[str, Format] = {
    f.name: f for f in (text.FORMAT, json_.FORMAT, markdown.FORMAT, junit.FORMAT, html.FORMAT)
}


def render(
    report: Report, fmt: str, *, colour: bool = False, width: int | None = None, headers: bool = True
) -> str:
    """`report` in format `fmt` (a key of FORMATS), always through the registry."""
    return FORMATS[fmt].render(report, Options(colour=colour, width=width, headers=headers))
