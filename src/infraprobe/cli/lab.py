"""`infraprobe lab`: build the broken staging environment from real parts, run infraprobe against it,
and leave the evidence in one folder. Exit 0 when analyze named exactly the injected faults (with
`--fix`: when every check passed), 1 when not, 2 when the scenario is unknown, 3 when the machine lacks a
part (the message says how to install it) or a part would not start.

`-q` prints only the verdict and the report's path (errors still go to stderr); `-v` stamps each step with
the time since start and says how each infraprobe command the lab ran exited."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import click

from infraprobe.cli.common import EXIT_CONFIG, PATH, Notes, console_err, quiet_option, verbose_option
from infraprobe.errors import UsageError
from infraprobe.lab import SCENARIOS, Plan, parse_scenario, run
from infraprobe.lab.binaries import missing
from infraprobe.lab.netns import why_unavailable
from infraprobe.lab.scenario import NEEDS_NETNS, Fault
from infraprobe.lab.summary import summary, verdict

EXIT_TERMINATED = 128 + 15  # what a shell reports for a process ended by SIGTERM


@click.command("lab")
@click.option(
    "--scenario",
    "-s",
    default="outage",
    metavar="NAME",
    help=f"faults to inject: {', '.join(SCENARIOS)}, or faults joined by +",
)
@click.option("--fix", is_flag=True, help="the same environment with its faults removed")
@click.option(
    "--out", type=PATH, metavar="FOLDER", help="evidence folder (default: infraprobe-lab/SCENARIO-TIME)"
)
@click.option("--loopback", is_flag=True, help="stay on loopback even where network namespaces are allowed")
@quiet_option("print only the verdict and the report's path; the exit code says the rest")
@verbose_option("also time each step and say how each command the lab ran exited")
def command(scenario: str, fix: bool, out: Path | None, loopback: bool, quiet: bool, verbose: bool) -> int:
    """Reproduce the staging outage from real parts, run check, analyze and logs on it, keep the evidence."""
    say = _voice(quiet, verbose)
    plan = _plan(scenario, fix, out, loopback, say)
    problems = missing()
    if problems:
        for line in problems:
            console_err(f"error: {line}")
        return EXIT_CONFIG
    try:
        outcome = asyncio.run(run(plan, echo=say))
    except asyncio.CancelledError:  # SIGTERM: the run cancelled itself, and its teardown has run
        console_err("terminated")
        return EXIT_TERMINATED
    except (RuntimeError, OSError) as exc:  # a part that would not start: ServerStartError, NetnsUnavailable
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        console_err(f"error: the lab could not start: {first} (everything it started is stopped)")
        return EXIT_CONFIG
    if verbose:
        for name, code in outcome.commands.items():
            say(f"infraprobe {name} exited {code}")
    print(verdict(outcome) if quiet else summary(outcome))
    return 0 if outcome.ok else 1


def _voice(quiet: bool, verbose: bool) -> Callable[[str], None]:
    """Where the lab's progress lines go: nowhere (-q), stderr stamped with the time since start (-v), or
    stderr as they are."""
    if quiet:
        return lambda line: None
    return Notes(True) if verbose else console_err


def _plan(
    scenario: str, fix: bool, out: Path | None, loopback: bool, say: Callable[[str], None] = console_err
) -> Plan:
    try:
        asked = parse_scenario(scenario)
    except ValueError as exc:
        raise UsageError(str(exc), field="--scenario") from None
    reason = "--loopback" if loopback else why_unavailable()
    if reason is not None:
        say(f"lab: on loopback ({reason}); left out: {_left_out(asked) or 'nothing'}")
    faults = frozenset[Fault]() if fix else asked
    left = faults & NEEDS_NETNS if reason is not None else frozenset()
    name = f"{scenario}-fixed" if fix else scenario
    folder = out or Path("infraprobe-lab") / f"{name}-{dt.datetime.now():%Y%m%d-%H%M%S}"
    return Plan(name, faults - left, left, netns=reason is None, folder=folder)


def _left_out(faults: frozenset[Fault]) -> str:
    return ", ".join(sorted(f.value for f in faults & NEEDS_NETNS))
