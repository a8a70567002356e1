"""`infraprobe config validate|schema`.

`validate` prints `FILE: ok (...)` per valid file and every error on stderr; with `-o json` (or any other
format, or `--output FILE`) it also renders one report of every file, for CI to read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from infraprobe.cli import pydantic_plugins_off
from infraprobe.cli.common import (
    EXIT_CONFIG,
    PATH,
    TABLE,
    Notes,
    Reporting,
    console_err,
    emit,
    reporting,
    write_file,
    write_out,
)
from infraprobe.errors import ConfigError

if TYPE_CHECKING:
    from infraprobe.output.model import Report


@click.group("config", no_args_is_help=True)
def command() -> None:
    """Validate a config, or print its JSON Schema for editors."""


@command.command("validate")
@click.argument(
    "configs", nargs=-1, required=True, type=PATH, metavar="FILE...", help="environment configs (YAML)"
)
@click.option(
    "--allow-missing-env",
    is_flag=True,
    help="validate with typed placeholders for unset ${VAR}s, listed as warnings (CI without secrets)",
)
@reporting(headers=False)
def validate(
    configs: tuple[Path, ...],
    allow_missing_env: bool,
    out: Reporting,
) -> int:
    """Check configs strictly (unknown keys, types, references, cycles) without probing anything."""
    notes = out.notes
    checked = [_checked(path, allow_missing_env, notes) for path in configs]
    files = [file for file, _ in checked]
    if out.fmt == TABLE and not out.quiet:
        for _, ok_line in checked:
            if ok_line is not None:
                write_out(ok_line)
    # The one-file report exists for the other formats and --output: the plain lines above need none of it
    # (start-up of `config validate`, issue 10).
    if out.fmt != TABLE or out.output is not None:
        report = _report(files)
        if out.fmt != TABLE:
            emit(report, out.fmt, quiet=out.quiet)
        if out.output is not None:
            write_file(report, out.output, out.fmt)
    notes(f"{sum(f['ok'] for f in files)} of {len(files)} configs valid")
    return EXIT_CONFIG if any(not f["ok"] for f in files) else 0


def _checked(config: Path, allow_missing_env: bool, notes: Notes) -> tuple[dict[str, Any], str | None]:
    """One file's verdict, and its ok line when valid; its errors, one line each, on stderr (whatever the
    format)."""
    from infraprobe.configfile.plain import check_file  # not with the group's other command (schema)

    errors: list[str] = []
    try:
        # Without pydantic when plugins are off, as the CLI sets them (cli/__init__.py): a plugin asked for
        # watches pydantic's models validate, so then the models do.
        checked = check_file(config, allow_missing_env=allow_missing_env, plain=pydantic_plugins_off())
    except ConfigError as exc:
        errors = exc.lines()
        for line in errors:
            console_err(f"error: {line}")
        return {
            "file": str(config),
            "ok": False,
            "components": 0,
            "kinds": [],
            "warnings": [],
            "errors": errors,
        }, None
    warnings = [*checked.warnings, *checked.deprecations]
    for warning in warnings:
        console_err(f"warning: {warning}")
    notes(f"{config}: sections {', '.join(checked.sections) or 'none'}")
    kinds = sorted({c.kind for c in checked.components})
    count = len(checked.components)
    file = {
        "file": str(config),
        "ok": True,
        "components": count,
        "kinds": kinds,
        "warnings": warnings,
        "errors": [],
    }
    return file, _ok_line(file, len(checked.warnings), len(checked.deprecations))


def _ok_line(file: dict[str, Any], unset: int, deprecated: int) -> str:
    extra = f", {unset} unset variables" if unset else ""
    extra += f", {deprecated} deprecated field{'s' if deprecated > 1 else ''}" if deprecated else ""
    return f"{file['file']}: ok ({file['components']} components: {', '.join(file['kinds'])}{extra})"


def _report(files: list[dict[str, Any]]) -> Report:
    """Every file as one report: JSON (`infraprobe.config/v1`), markdown, JUnit (a case per file)."""
    from infraprobe.output.model import (
        Case,
        Paragraph,
        Report,
        Table,
    )  # only for these formats (see validate)

    bad = [f for f in files if not f["ok"]]
    verdict = Paragraph(f"{'FAIL' if bad else 'PASS'}: {len(files) - len(bad)} of {len(files)} configs valid")
    rows = tuple(
        (
            f["file"],
            "ok" if f["ok"] else "error",
            ", ".join(f["kinds"]),
            "; ".join(f["errors"] or f["warnings"]),
        )
        for f in files
    )
    table = Table(("file", "status", "kinds", "errors or warnings"), rows, shrink=(3,))
    cases = tuple(
        Case(f["file"], "config", "ok" if f["ok"] else "fail", 0.0, "; ".join(f["errors"])) for f in files
    )
    data = {"ok": not bad, "files": files}
    return Report("infraprobe config validate", (verdict, table), data, int(bool(bad)), cases, kind="config")


@command.command("schema")
def schema() -> None:
    """Print the JSON Schema of the config file (for editor completion and validation)."""
    from infraprobe.configfile.schema import config_schema  # every kind's model: only for this command

    write_out(json.dumps(config_schema(), indent=2))
