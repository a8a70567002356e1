"""Entry point: builds the Typer app from the command modules and maps errors to exit codes.

Exit codes are part of the contract: 0 all critical checks pass, 1 a check failed, 2 usage or config error.
"""

from __future__ import annotations

import importlib
import sys

import typer

from infraprobe.cli.common import EXIT_USAGE, console_err
from infraprobe.errors import ConfigError, ConfigErrors

# One module per command, each exposing `register(app)`. Adding a command: add its module name here.
COMMANDS = ("check", "classify", "config_cmd", "analyze", "logs")


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="infraprobe",
        help="Is it the infrastructure, the configuration, or the application? Probe, classify, explain.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    for name in COMMANDS:
        importlib.import_module(f"infraprobe.cli.{name}").register(app)
    return app


def main(argv: list[str] | None = None) -> None:
    app = build_app()
    try:
        app(args=argv, prog_name="infraprobe", standalone_mode=True)
    except ConfigErrors as exc:
        for line in exc.lines():
            console_err(f"error: {line}")
        sys.exit(EXIT_USAGE)
    except ConfigError as exc:
        console_err(f"error: {exc.one_line()}")
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        console_err("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
