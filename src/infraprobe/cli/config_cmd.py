"""`infraprobe config validate|schema`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from infraprobe.cli.common import EXIT_CONFIG, Notes, QuietOption, VerboseOption, console_err, load, write_out
from infraprobe.errors import ConfigError, ConfigErrors


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Validate a config, or print its JSON Schema for editors.", no_args_is_help=True)
    group.command("validate")(validate)
    group.command("schema")(schema)
    app.add_typer(group, name="config")


def validate(
    configs: Annotated[list[Path], typer.Argument(help="environment configs (YAML)", metavar="FILE...")],
    allow_missing_env: Annotated[
        bool,
        typer.Option(
            "--allow-missing-env",
            help="validate with typed placeholders for unset ${VAR}s, listed as warnings (CI without secrets)",
        ),
    ] = False,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Check configs strictly (unknown keys, types, references, cycles) without probing anything."""
    notes = Notes(verbose)
    failed = [path for path in configs if not _valid(path, allow_missing_env, quiet, notes)]
    notes(f"{len(configs) - len(failed)} of {len(configs)} configs valid")
    if failed:
        raise typer.Exit(EXIT_CONFIG)


def _valid(config: Path, allow_missing_env: bool, quiet: bool, notes: Notes) -> bool:
    """One file: `FILE: ok (...)` on stdout (nothing with -q), or every error in it on stderr."""
    try:
        loaded = load(config, allow_missing_env=allow_missing_env)
    except ConfigErrors as exc:
        for line in exc.lines():
            console_err(f"error: {line}")
        return False
    except ConfigError as exc:
        console_err(f"error: {exc.one_line()}")
        return False
    kinds = sorted({c.kind for c in loaded.config.components})
    placeholders = f", {len(loaded.warnings)} unset variables" if loaded.warnings else ""
    notes(f"{config}: sections {', '.join(loaded.sections) or 'none'}")
    if not quiet:
        write_out(
            f"{config}: ok ({len(loaded.config.components)} components: {', '.join(kinds)}{placeholders})"
        )
    return True


def schema() -> None:
    """Print the JSON Schema of the config file (for editor completion and validation)."""
    from infraprobe.configfile.schema import config_schema  # every kind's model: only for this command

    write_out(json.dumps(config_schema(), indent=2))
