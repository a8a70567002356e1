"""`infraprobe config validate|schema`.

`validate` prints `FILE: ok (...)` per valid file and every error on stderr; with `-o json` (or any other
format, or `--output FILE`) it also renders one report of every file, for CI to read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from infraprobe.cli.common import (
    EXIT_CONFIG,
    TABLE,
    FormatOption,
    Notes,
    OutputOption,
    QuietOption,
    VerboseOption,
    console_err,
    emit,
    load,
    write_file,
    write_out,
)
from infraprobe.errors import ConfigError, ConfigErrors
from infraprobe.output.model import Case, Paragraph, Report, Table


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Validate a config, or print its JSON Schema for editors.", no_args_is_help=True)
    group.command("validate")(validate)
    group.command("schema")(schema)
    app.add_typer(group, name="config")


def validate(
    configs: Annotated[list[Path], typer.Argument(help="environment configs (YAML)", metavar="FILE")],
    allow_missing_env: Annotated[
        bool,
        typer.Option(
            "--allow-missing-env",
            help="validate with typed placeholders for unset ${VAR}s, listed as warnings (CI without secrets)",
        ),
    ] = False,
    fmt: FormatOption = TABLE,
    output: OutputOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Check configs strictly (unknown keys, types, references, cycles) without probing anything."""
    notes = Notes(verbose)
    files = [_checked(path, allow_missing_env, notes) for path in configs]
    if fmt == TABLE and not quiet:
        for file in files:
            if file["ok"]:
                write_out(_ok_line(file))
    report = _report(files)
    if fmt != TABLE:
        emit(report, fmt, quiet=quiet)
    if output is not None:
        write_file(report, output, fmt)
    notes(f"{sum(f['ok'] for f in files)} of {len(files)} configs valid")
    if report.exit_code:
        raise typer.Exit(EXIT_CONFIG)


def _checked(config: Path, allow_missing_env: bool, notes: Notes) -> dict[str, Any]:
    """One file's verdict; its errors, one line each, on stderr (whatever the format)."""
    errors: list[str] = []
    try:
        loaded = load(config, allow_missing_env=allow_missing_env)
    except ConfigError as exc:
        errors = exc.lines() if isinstance(exc, ConfigErrors) else [exc.one_line()]
        for line in errors:
            console_err(f"error: {line}")
        return {
            "file": str(config),
            "ok": False,
            "components": 0,
            "kinds": [],
            "warnings": [],
            "errors": errors,
        }
    notes(f"{config}: sections {', '.join(loaded.sections) or 'none'}")
    kinds = sorted({c.kind for c in loaded.config.components})
    count, warnings = len(loaded.config.components), list(loaded.warnings)
    return {
        "file": str(config),
        "ok": True,
        "components": count,
        "kinds": kinds,
        "warnings": warnings,
        "errors": [],
    }


def _ok_line(file: dict[str, Any]) -> str:
    placeholders = f", {len(file['warnings'])} unset variables" if file["warnings"] else ""
    return f"{file['file']}: ok ({file['components']} components: {', '.join(file['kinds'])}{placeholders})"


def _report(files: list[dict[str, Any]]) -> Report:
    """Every file as one report: JSON (`infraprobe.config/v1`), markdown, JUnit (a case per file)."""
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


def schema() -> None:
    """Print the JSON Schema of the config file (for editor completion and validation)."""
    from infraprobe.configfile.schema import config_schema  # every kind's model: only for this command

    write_out(json.dumps(config_schema(), indent=2))
