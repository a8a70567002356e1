"""Entry point: builds the Typer app from the command modules and maps errors to exit codes.

Exit codes are part of the contract: 0 all critical checks pass, 1 a check failed, 2 usage or config error.
"""

from __future__ import annotations

import importlib
import sys
from typing import Annotated

import typer

from infraprobe.cli.common import EXIT_USAGE, console_err
from infraprobe.errors import ConfigError, ConfigErrors

# One module per command, each exposing `register(app)`. Adding a command: add it here.
COMMANDS = {
    "check": "check",
    "classify": "classify",
    "config": "config_cmd",
    "analyze": "analyze",
    "logs": "logs",
    "lab": "lab",
    "monitor": "monitor",
    "history": "history",
}


def build_app(argv: list[str] | None = None) -> typer.Typer:
    """The app with every command, or only the one `argv` asks for: start-up then imports just that."""
    app = typer.Typer(
        name="infraprobe",
        help="Is it the infrastructure, the configuration, or the application? Probe, classify, explain.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    # A callback keeps the app a group even when only one command is registered below.
    app.callback()(_root)
    wanted = _command_in(argv)
    for name, module in COMMANDS.items():
        if wanted in (None, name):
            importlib.import_module(f"infraprobe.cli.{module}").register(app)
    return app


def _version(value: bool) -> None:
    if value:
        from infraprobe import __version__

        print(f"infraprobe {__version__}")
        raise typer.Exit()


def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version and exit")
    ] = False,
) -> None:
    """Is it the infrastructure, the configuration, or the application?"""


def _command_in(argv: list[str] | None) -> str | None:
    words = sys.argv[1:] if argv is None else argv
    first = next((w for w in words if not w.startswith("-")), None)
    return first if first in COMMANDS else None


def main(argv: list[str] | None = None) -> None:
    app = build_app(argv)
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
