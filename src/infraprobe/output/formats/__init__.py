"""Renderers: pure functions `Report -> str`, one module per format, one registry."""

from __future__ import annotations

from collections.abc import Callable

from infraprobe.output.formats import json_, markdown, text
from infraprobe.output.model import Report

Renderer = Callable[[Report], str]


def _junit(report: Report) -> str:
    # junitparser and the XML stack under it cost ~60 ms to import: only JUnit output pays for them.
    from infraprobe.output.formats import junit

    return junit.render(report)


FORMATS: dict[str, Renderer] = {
    "table": text.render,
    "json": json_.render,
    "markdown": markdown.render,
    "junit": _junit,
}


def render(report: Report, fmt: str, *, colour: bool = False, width: int | None = None) -> str:
    if fmt == "table":
        return text.render(report, colour=colour, width=width)
    return FORMATS[fmt](report)
