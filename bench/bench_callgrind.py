"""Instructions per http check, counted by valgrind: a figure the machine's load does not move.

Runs itself under `valgrind --tool=callgrind --instr-atstart=no` twice, with `--count` checks and with none,
and prints the difference per check. Instrumentation is switched on (`callgrind_control -i on`) only around
the measured checks, 50 in flight after 200 of warm-up, against the fixed-response server of
bench_probes.py on 127.0.0.1. User space only: the kernel's share of connect, send and close is not in it.

    .venv/bin/python bench/bench_callgrind.py --mode check   # the http check through Runner.check
    .venv/bin/python bench/bench_callgrind.py --mode bare    # the same GET with asyncio's socket calls only
    .venv/bin/python bench/bench_callgrind.py --mode noop    # Runner.check around a probe that returns at once

Needs valgrind (Debian package `valgrind`). Loopback only; every loop is bounded by --count.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_probes import fixed_servers
from bench_vs_blackbox import Once, bare_loops, bounded, our_check

from infraprobe.probes.base import ProbeRun, ProbeSpec
from infraprobe.probes.http import HttpCheck
from infraprobe.runner import Runner
from infraprobe.taxonomy import Component

MODES = ("check", "bare", "noop")


async def _noop(cfg: HttpCheck, run: ProbeRun) -> str:
    return "ok"


def _once(mode: str, port: int, ca: Path) -> Once:
    check = HttpCheck(name="h", url=f"http://127.0.0.1:{port}/")
    if mode == "check":
        return our_check(Runner(), check)
    if mode == "noop":
        spec = ProbeSpec("http", HttpCheck, _noop, Component.HTTP, "returns at once")
        return our_check(Runner(registry={"http": spec}), check)
    return bare_loops({"http": port, "https": 0, "dns": 0, "redis": 0}, ca)["http"]


def _instrument(on: bool) -> None:
    cmd = ["callgrind_control", "-i", "on" if on else "off", str(os.getpid())]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


async def _measured(mode: str, count: int, port: int, ca: Path) -> None:
    once = _once(mode, port, ca)
    await bounded(200, 50, once)
    _instrument(True)
    await bounded(count, 50, once)
    _instrument(False)


def child(mode: str, count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, fixed_servers(Path(tmp)) as (http, _, ca):
        asyncio.run(_measured(mode, count, http, ca))


def instructions(mode: str, count: int, work: Path) -> int:
    """Instructions the parent process executed while instrumented (the server child is counted apart)."""
    cmd = [
        "valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={work}/cg.%p",
        sys.executable, __file__, "--child", "--mode", mode, "--count", str(count),
    ]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=1800).stderr
    pid = re.search(r"^==(\d+)== Command:", out, re.MULTILINE)  # the first process valgrind started
    match = re.search(rf"^=={pid[1] if pid else ''}== Collected : (\d+)", out, re.MULTILINE)
    if match is None:
        sys.exit(f"valgrind printed no count:\n{out[-2000:]}")
    return int(match[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=MODES, default="check")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.mode, args.count)
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as work:
        counted = instructions(args.mode, args.count, Path(work))
        fixed = instructions(args.mode, 0, Path(work))
    print(f"{args.mode}: {(counted - fixed) / args.count / 1000:,.0f}k instructions per check "
          f"({args.count} at 50 in flight; run of {args.count}: {counted:,}, of 0: {fixed:,})")  # fmt: skip


if __name__ == "__main__":
    main()
