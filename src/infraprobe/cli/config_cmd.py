"""`infraprobe config validate|schema`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from infraprobe.cli.common import load, write_out
from infraprobe.config.schema import config_schema


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Validate a config, or print its JSON Schema for editors.", no_args_is_help=True)
    group.command("validate")(validate)
    group.command("schema")(schema)
    app.add_typer(group, name="config")


def validate(config: Annotated[Path, typer.Argument(help="environment config (YAML)")]) -> None:
    """Check a config strictly (unknown keys, types, references, cycles) without probing anything."""
    loaded = load(config)
    kinds = sorted({c.kind for c in loaded.config.components})
    write_out(f"{config}: ok ({len(loaded.config.components)} components: {', '.join(kinds)})")


def schema() -> None:
    """Print the JSON Schema of the config file (for editor completion and validation)."""
    write_out(json.dumps(config_schema(), indent=2))
