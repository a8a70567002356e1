"""`infraprobe check CONFIG`: probe every component once, concurrently, and explain failures."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer
import yaml

from infraprobe.cli.common import (
    TABLE,
    FailOn,
    FailOnOption,
    FormatOption,
    NoHeadersOption,
    Notes,
    OutputOption,
    QuietOption,
    VerboseOption,
    emit,
    load,
)
from infraprobe.cli.progress import Progress
from infraprobe.errors import ConfigError, UsageError
from infraprobe.output.views.check import check_report
from infraprobe.result import CheckResult, Status
from infraprobe.runner import check_config, probed, select


def register(app: typer.Typer) -> None:
    app.command("check")(check)


def check(
    config: Annotated[Path, typer.Argument(help="environment config (YAML)")],
    fmt: FormatOption = TABLE,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="check only this component (repeatable)", autocompletion=component_names),
    ] = None,
    max_in_flight: Annotated[
        int | None,
        typer.Option("--max-in-flight", min=1, help="checks at once (default: what `ulimit -n` allows)"),
    ] = None,
    fail_on: FailOnOption = FailOn.FAIL,
    output: OutputOption = None,
    no_headers: NoHeadersOption = False,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Probe every dependency once and say, for each failure, the cause, the layer and what to do."""
    notes = Notes(verbose)
    loaded = load(config, only=only or ())  # unset variables of other components are not needed
    names = set(loaded.config.names)
    for name in only or ():
        if name not in names:
            raise UsageError(f"no component named {name!r} in {config}", field="--only")
    runnable, _ = probed(select(loaded.config, only or ()))
    if not runnable:  # nothing checked is not a pass
        raise ConfigError(
            f"{config}: nothing to check (no components, or only network paths)", field="components"
        )
    notes(f"config {config}: checking {len(runnable)} of {len(names)} components")
    progress = Progress(total=len(runnable), enabled=fmt == TABLE and sys.stderr.isatty() and not verbose)
    report = asyncio.run(
        check_config(
            loaded.config,
            only=only or (),
            redactor=loaded.redactor,
            on_result=lambda result: _note_result(notes, result, progress),
            max_in_flight=max_in_flight,
        )
    )
    progress.close()
    emit(check_report(report), fmt, output, headers=not no_headers, quiet=quiet, notes=notes)
    warned = any(r.critical and r.status is Status.WARN for r in report.results)
    raise typer.Exit(report.exit_code or int(fail_on is FailOn.WARN and warned))


def _note_result(notes: Notes, result: CheckResult, progress: Progress) -> None:
    progress.done(result)
    phases = ", ".join(f"{p.name} {p.seconds * 1000:.1f}" for p in result.phases)
    notes(
        f"{result.component}: {result.status.value} in {result.duration * 1000:.1f} ms ({phases or 'no phases'})"
    )


def component_names(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion for --only: the component names of the config already on the command line."""
    # While a shell completes `--only <TAB>`, click's parse stops at the option that lacks its value, so the
    # config named before it is left in ctx.args rather than bound to its parameter.
    config = ctx.params.get("config") or next(iter(getattr(ctx, "args", None) or ()), None)
    try:
        data = yaml.safe_load(Path(str(config)).read_text(encoding="utf-8")) if config else None
    except (OSError, yaml.YAMLError):
        return []
    items = data.get("components") if isinstance(data, dict) else None
    names = [str(c.get("name")) for c in items or () if isinstance(c, dict) and c.get("name")]
    return [n for n in names if n.startswith(incomplete)]
