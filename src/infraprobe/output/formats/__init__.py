"""The one format registry: every command's `--format`, and every other writer of reports, renders through it.

A format is a pure function `(Report, Options) -> str` in its own module with a `FORMAT` entry, listed once
below. Adding one (junit, html, Prometheus text) is that module, its line here, a golden file and a docs
mention; commands and `--format` pick it up from this registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infraprobe._lazy import LazyRegistry

if TYPE_CHECKING:  # names only: listing the formats (every command's `-o` and `--help`) builds no report
    from infraprobe.output.formats.base import Format
    from infraprobe.output.model import Report

# name -> its module; a renderer is imported when first used (the html one and its charts cost start-up).
_MODULES = {"table": "text", "json": "json_", "markdown": "markdown", "junit": "junit", "html": "html"}
FORMATS: LazyRegistry[Format] = LazyRegistry(
    {name: f"infraprobe.output.formats.{module}:FORMAT" for name, module in _MODULES.items()}
)


def render(
    report: Report, fmt: str, *, colour: bool = False, width: int | None = None, headers: bool = True
) -> str:
    """`report` in format `fmt` (a key of FORMATS), always through the registry."""
    from infraprobe.output.formats.base import Options  # with the first render, not with the CLI's start-up

    return FORMATS[fmt].render(report, Options(colour=colour, width=width, headers=headers))
