"""`infraprobe lab`: build the broken staging environment from real parts, run infraprobe against it,
and leave the evidence in one folder. Exit 0 when analyze named exactly the injected faults (with
`--fix`: when every check passed), 1 when not, 2 when the scenario is unknown, 3 when the machine lacks a
part (the message says how to install it) or a part would not start."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from infraprobe.cli.common import EXIT_CONFIG, EXIT_USAGE, console_err
from infraprobe.lab import SCENARIOS, Plan, parse_scenario, run
from infraprobe.lab.binaries import missing
from infraprobe.lab.netns import why_unavailable
from infraprobe.lab.scenario import NEEDS_NETNS, Fault
from infraprobe.lab.summary import summary

EXIT_TERMINATED = 128 + 15  # what a shell reports for a process ended by SIGTERM


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("lab")(lab)


def lab(
    scenario: Annotated[
        str,
        typer.Option(
            "--scenario", "-s", help=f"faults to inject: {', '.join(SCENARIOS)}, or faults joined by +"
        ),
    ] = "outage",
    fix: Annotated[bool, typer.Option("--fix", help="the same environment with its faults removed")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="evidence folder (default: infraprobe-lab/SCENARIO-TIME)")
    ] = None,
    loopback: Annotated[
        bool, typer.Option("--loopback", help="stay on loopback even where network namespaces are allowed")
    ] = False,
) -> None:
    """Reproduce the staging outage from real parts, run check, analyze and logs on it, keep the evidence."""
    plan = _plan(scenario, fix, out, loopback)
    problems = missing()
    if problems:
        for line in problems:
            console_err(f"error: {line}")
        raise typer.Exit(EXIT_CONFIG)
    try:
        outcome = asyncio.run(run(plan, echo=console_err))
    except asyncio.CancelledError:  # SIGTERM: the run cancelled itself, and its teardown has run
        console_err("terminated")
        raise typer.Exit(EXIT_TERMINATED) from None
    except (RuntimeError, OSError) as exc:  # a part that would not start: ServerStartError, NetnsUnavailable
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        console_err(f"error: the lab could not start: {first} (everything it started is stopped)")
        raise typer.Exit(EXIT_CONFIG) from None
    print(summary(outcome))
    raise typer.Exit(0 if outcome.ok else 1)


def _plan(scenario: str, fix: bool, out: Path | None, loopback: bool) -> Plan:
    try:
        asked = parse_scenario(scenario)
    except ValueError as exc:
        console_err(f"error: --scenario: {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    reason = "--loopback" if loopback else why_unavailable()
    if reason is not None:
        console_err(f"lab: on loopback ({reason}); left out: {_left_out(asked) or 'nothing'}")
    faults = frozenset[Fault]() if fix else asked
    left = faults & NEEDS_NETNS if reason is not None else frozenset()
    name = f"{scenario}-fixed" if fix else scenario
    folder = out or Path("infraprobe-lab") / f"{name}-{dt.datetime.now():%Y%m%d-%H%M%S}"
    return Plan(name, faults - left, left, netns=reason is None, folder=folder)


def _left_out(faults: frozenset[Fault]) -> str:
    return ", ".join(sorted(f.value for f in faults & NEEDS_NETNS))
