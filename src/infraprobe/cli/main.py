"""Entry point: builds the Typer app from the command modules and maps errors to exit codes.

Exit codes are part of the contract, the same for every command (docs/cli.md): 0 nothing that gates failed,
1 a check failed, 2 the command line is wrong, 3 the config or an input cannot be used, 130 interrupted.
"""

from __future__ import annotations

import importlib
import io
import os
import sys
from typing import Annotated, Any

import typer

from infraprobe.cli.common import EXIT_CONFIG, EXIT_INTERRUPTED, EXIT_USAGE, console_err
from infraprobe.errors import ConfigError, ConfigErrors, UsageError

# One module per command, each exposing `register(app)`. Adding a command: add it here.
COMMANDS = {
    "check": "check",
    "classify": "classify",
    "config": "config_cmd",
    "analyze": "analyze",
    "logs": "logs",
    "validate": "validate",
    "lab": "lab",
    "monitor": "monitor",
    "history": "history",
    "report": "report",
}


def build_app(argv: list[str] | None = None) -> typer.Typer:
    """The app with every command, or only the one `argv` asks for: start-up then imports just that."""
    app = typer.Typer(
        name="infraprobe",
        help="Is it the infrastructure, the configuration, or the application? Probe, classify, explain.",
        no_args_is_help=True,
        add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish
        context_settings={"help_option_names": ["-h", "--help"]},
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    # A callback keeps the app a group even when only one command is registered below.
    app.callback()(_root)
    wanted = _command_in(argv)
    listing = _listing(argv)  # completion needs the real commands' params
    for name, module in COMMANDS.items():
        if listing and name in SUMMARIES:
            # `infraprobe --help` only lists commands: their one-line help, without importing their engines.
            app.command(name, help=SUMMARIES[name], add_help_option=False)(_listed_only)
        elif wanted in (None, name):
            importlib.import_module(f"infraprobe.cli.{module}").register(app)
    return app


# Each command's help, as `infraprobe --help` lists it (a test keeps these equal to the commands' own).
# A command without an entry is imported to be listed: correct, only slower.
SUMMARIES = {
    "check": "Probe every dependency once and say, for each failure, the cause, the layer and what to do.",
    "classify": "Classify an error text (exception message, log line, traceback tail): cause, layer, "
    "component, guidance.",
    "config": "Validate a config, or print its JSON Schema for editors.",
    "analyze": "Name the independent root causes, what each blocks and why, and the numbers that cannot work.",
    "logs": "Find failures in logs, classify them with the probe taxonomy, and say when they started and why.",
    "lab": "Reproduce the staging outage from real parts, run check, analyze and logs on it, keep the evidence.",
    "monitor": "Probe every component on its interval; keep the history; say when a state changes and why.",
    "history": "Uptime and latency per window, incidents with cause and duration, and the cause breakdown.",
    "report": "Write the handoff report: root causes and their whys, action items per owner, the checklist.",
    "validate": "Prove a fix: run the validation checks by category and judge them against the threshold.",
}


def _listed_only() -> None:
    """Never run: a listing has no command to run (argv named none)."""


def _version(value: bool) -> None:
    if value:
        from infraprobe import __version__

        print(f"infraprobe {__version__}")
        raise typer.Exit()


def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version and exit")
    ] = False,
    color: Annotated[
        str,
        typer.Option("--color", metavar="WHEN", help="auto (a terminal, or FORCE_COLOR), always, never"),
    ] = "auto",
) -> None:
    """Is it the infrastructure, the configuration, or the application?"""
    choice = color.lower()
    if choice not in ("auto", "always", "never"):
        raise typer.BadParameter(f"{color!r} is not one of auto, always, never", param_hint="--color")
    if choice != "auto":
        # Through the same variables every command (and library) already honours.
        os.environ.pop("NO_COLOR" if choice == "always" else "FORCE_COLOR", None)
        os.environ["FORCE_COLOR" if choice == "always" else "NO_COLOR"] = "1"


def _command_in(argv: list[str] | None) -> str | None:
    """The command word, or None (then every command is registered). Skips the root's `--color WHEN`."""
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["--color"]:
        words = words[2:]
    first = next((w for w in words if not w.startswith("-")), None)
    return first if first in COMMANDS else None


def _listing(argv: list[str] | None) -> bool:
    """Only root options (`--help`, `--version`): the commands are listed, none is run."""
    words = list(sys.argv[1:] if argv is None else argv)
    return all(w.startswith("-") for w in words) and "_INFRAPROBE_COMPLETE" not in os.environ


def _plain_metavars(command: Any) -> None:  # Typer's own (vendored) click types
    """`--only NAME`, not Typer's `<list[str]>`: help shows what to type, never a Python type."""
    for param in command.params:
        if param.metavar is None or param.metavar.startswith(("<", "{")):
            is_flag = getattr(param, "is_flag", False)
            param.metavar = None if is_flag else _METAVARS.get(param.name or "", (param.name or "").upper())
        if param.param_type_name == "argument" and hasattr(param, "display_type_rich"):
            # Typer prints a Python type beside each argument (`CONFIG <path>`): the metavar says enough.
            param.display_type_rich = lambda ctx: None
        if param.param_type_name == "argument" and hasattr(param, "_usage_display_name"):
            # The usage line as man pages write it (`check [OPTIONS] CONFIG`, `logs [PATH]...`), not `{CONFIG}`.
            param._usage_display_name = _usage_name(param)
    for sub in getattr(command, "commands", {}).values():
        _plain_metavars(sub)


def _usage_name(param: Any) -> Any:
    name = param.metavar or (param.name or "").upper()
    shown = name if param.required else f"[{name}]"
    return lambda: shown + ("..." if param.nargs != 1 else "")


_METAVARS = {
    "expect_none": "CAUSE[:COMPONENT]",
    "fail_on": "LEVEL",
    "output": "FILE",
    "only": "NAME",
    "since": "WHEN",
    "until": "WHEN",
    "paths": "PATH",
    "config": "CONFIG",
}


def main(argv: list[str] | None = None) -> None:
    # A lone surrogate escape in a log (`\ud800`) decodes to a str UTF-8 cannot encode: print it escaped.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    command = typer.main.get_command(build_app(argv))
    _plain_metavars(command)
    try:
        command.main(args=argv, prog_name="infraprobe", standalone_mode=True)
    except UsageError as exc:  # one line, as every error (click's own usage errors add a `Usage:` block)
        console_err(f"error: {exc.one_line()}")
        sys.exit(EXIT_USAGE)
    except ConfigError as exc:
        lines = exc.lines() if isinstance(exc, ConfigErrors) else [exc.one_line()]
        for line in lines:
            console_err(f"error: {line}")
        sys.exit(EXIT_CONFIG)
    except KeyboardInterrupt:
        console_err("interrupted")
        sys.exit(EXIT_INTERRUPTED)


if __name__ == "__main__":
    main()
