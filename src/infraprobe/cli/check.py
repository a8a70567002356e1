"""`infraprobe check CONFIG`: probe every component once, concurrently, and explain failures."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer

from infraprobe.cli.common import TABLE, FormatOption, load, terminal_width, use_colour, write_out
from infraprobe.cli.progress import Progress
from infraprobe.errors import ConfigError
from infraprobe.output.formats import render
from infraprobe.output.views.check import check_report
from infraprobe.runner import check_config


def register(app: typer.Typer) -> None:
    app.command("check")(check)


def check(
    config: Annotated[Path, typer.Argument(help="environment config (YAML)")],
    fmt: FormatOption = TABLE,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="check only this component (repeatable)")
    ] = None,
    max_in_flight: Annotated[
        int | None,
        typer.Option("--max-in-flight", min=1, help="checks at once (default: what `ulimit -n` allows)"),
    ] = None,
) -> None:
    """Probe every dependency once and say, for each failure, the cause, the layer and what to do."""
    loaded = load(config, only=only or ())  # unset variables of other components are not needed
    names = set(loaded.config.names)
    for name in only or ():
        if name not in names:
            raise ConfigError(f"no component named {name!r} in {config}", field="--only")
    progress = Progress(total=len(only or names), enabled=fmt == TABLE and sys.stderr.isatty())
    report = asyncio.run(
        check_config(
            loaded.config,
            only=only or (),
            redactor=loaded.redactor,
            on_result=progress.done,
            max_in_flight=max_in_flight,
        )
    )
    progress.close()
    rendered = render(check_report(report), fmt, colour=use_colour(), width=terminal_width())
    write_out(rendered)
    raise typer.Exit(report.exit_code)
