"""Entry point: one click group whose commands are imported when named, and errors mapped to exit codes.

Exit codes are part of the contract, the same for every command (docs/cli.md): 0 nothing that gates failed,
1 a check failed, 2 the command line is wrong, 3 the config or an input cannot be used, 130 interrupted.
Each command's callback returns its exit code (None is 0).

Plain click, not typer: typer 0.29 builds a pydantic TypeAdapter per parameter on every run, and vendors its
own click; `classify` imported pydantic for that alone and now runs in half the instructions
(docs/benchmarks.md, "Start-up of the CLI").
"""

from __future__ import annotations

import importlib
import io
import os
import sys
from typing import Any

import click

from infraprobe.cli.common import EXIT_CONFIG, EXIT_INTERRUPTED, EXIT_USAGE, console_err
from infraprobe.cli.completion import completion_options
from infraprobe.errors import ConfigError, UsageError

# One module per command, each exposing `command` (a click command). Adding a command: add it here.
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

# Each command's help, as `infraprobe --help` lists it (a test keeps these equal to the commands' own), so
# the listing imports no command module.
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


class Commands(click.Group):
    """The commands in COMMANDS' order, each module imported only when its command is named."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        command: click.Command = importlib.import_module(f"infraprobe.cli.{module}").command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The listing from SUMMARIES: `infraprobe --help` imports no command's engine."""
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [
            (name, click.Command(name, help=SUMMARIES[name]).get_short_help_str(limit)) for name in COMMANDS
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        from infraprobe import __version__

        click.echo(f"infraprobe {__version__}")
        ctx.exit()


def _color(ctx: click.Context, param: click.Parameter, value: str) -> str:
    choice = value.lower()
    if choice not in ("auto", "always", "never"):
        raise click.BadParameter(f"{value!r} is not one of auto, always, never")
    if choice != "auto":
        # Through the same variables every command (and library) already honours.
        os.environ.pop("NO_COLOR" if choice == "always" else "FORCE_COLOR", None)
        os.environ["FORCE_COLOR" if choice == "always" else "NO_COLOR"] = "1"
    return choice


@click.group(
    "infraprobe",
    cls=Commands,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"], "show_default": True},
)
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_version,
              help="print the version and exit")  # fmt: skip
@click.option("--color", default="auto", metavar="WHEN", expose_value=False, callback=_color,
              help="auto (a terminal, or FORCE_COLOR), always, never")  # fmt: skip
@completion_options
def app() -> None:
    """Is it the infrastructure, the configuration, or the application? Probe, classify, explain."""


def main(argv: list[str] | None = None) -> None:
    # A lone surrogate escape in a log (`\ud800`) decodes to a str UTF-8 cannot encode: print it escaped.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    sys.exit(_run(argv))


def _run(argv: list[str] | None) -> int:
    """The exit code of one command line; every error is one line on stderr (usage errors keep click's
    `Usage:` block above theirs)."""
    try:
        code: Any = app.main(args=argv, prog_name="infraprobe", standalone_mode=False)
    except click.ClickException as exc:  # a usage error: click's own, or a bad value its callbacks found
        exc.show()
        return exc.exit_code
    except UsageError as exc:
        console_err(f"error: {exc.one_line()}")
        return EXIT_USAGE
    except ConfigError as exc:
        for line in exc.lines():
            console_err(f"error: {line}")
        return EXIT_CONFIG
    except (click.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
        console_err("interrupted")
        return EXIT_INTERRUPTED
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    main()
