"""How fast is the whole `infraprobe logs` command against `grep -c -F -f` with 20 signatures, piped?

For each error density (default: one line in 1,000 and one in 50, an incident's log) it generates a log
(bench/gen_logs.py: realistic noise; failures drawn from a few dozen real error texts, each copy with its own
request id) into /tmp, warms the page cache, then runs the contenders `--repeat` times, interleaved, side
by side in one run (the machine may be shared: medians, CPU time beside wall time, and the load average):

- `cat LOG | grep -c -F -f SIGS20`: 20 fixed strings (one distinctive classifier signature per error text
  the log holds, the first 20), through a pipe, as an operator would run it;
- the whole command `infraprobe logs LOG --format json`, interpreter start-up included; it splits a large
  file over one process per CPU;
- with `--all`, also `grep -c -F -f` with every classifier signature and the library call `scan()`.

CPU is user+sys of the process and of its children (the scan's workers included).

    .venv/bin/python bench/bench_logs.py [--size-mb 500] [--densities 0.001,0.02] [--repeat 3] [--all]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from gen_logs import ERRORS, generate

from infraprobe.classifier import SIGNATURES
from infraprobe.logs import scan

Run = tuple[float, float, str]  # wall seconds, CPU seconds, output


def timed(cmd: list[str]) -> Run:
    """Wall seconds, CPU seconds (user+sys of the child) and stdout of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def library(log: Path, workers: int | None = None) -> tuple[float, float, str]:
    """Wall and CPU seconds (this process and the scan's worker processes) of one `scan`."""
    before = _cpu()
    start = time.perf_counter()
    summary = scan(log, workers=workers)
    return time.perf_counter() - start, _cpu() - before, str(summary.events)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # workers, once joined; and the greps
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return f"nproc {os.cpu_count()}, {model}, Python {platform.python_version()}, {platform.platform()}"


def few_signatures() -> list[str]:
    """The longest classifier signature found in each error text the generator writes, deduplicated."""
    chosen: set[str] = set()
    for text in ERRORS:
        low = text.lower()
        hits = [s for s in SIGNATURES if s in low]
        if hits:
            chosen.add(max(hits, key=len))
    return sorted(chosen)


def contenders(log: Path, sigs: Path, every: Path, full: bool) -> dict[str, Callable[[], Run]]:
    piped = f"cat {log} | grep -c -F -f {sigs}"
    chosen: dict[str, Callable[[], Run]] = {
        "grep -F -f (20, piped)": lambda: timed(["sh", "-c", piped]),
        "infraprobe logs (CLI)": lambda: timed(
            [sys.executable, "-m", "infraprobe", "logs", str(log), "-f", "json"]
        ),
    }
    if full:
        chosen["grep -F -f (all sigs)"] = lambda: timed(["grep", "-c", "-F", "-f", str(every), str(log)])
        chosen["scan() (library)"] = lambda: library(log)
    return chosen


def run_density(args: argparse.Namespace, density: float) -> None:
    log = Path(f"{args.log}.{density}")
    sigs, every = Path(f"{log}.sigs20"), Path(f"{log}.sigs")
    with log.open("wb") as out:
        failures = generate(out, int(args.size_mb * 1024 * 1024), density, seed=1)
    sigs.write_text("\n".join(few_signatures()[:20]) + "\n")
    every.write_text("\n".join(SIGNATURES) + "\n")
    size = log.stat().st_size
    subprocess.run(["cat", str(log)], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
    runs: dict[str, list[Run]] = {name: [] for name in contenders(log, sigs, every, args.all)}
    load_before = os.getloadavg()[0]  # the machine may be shared: say how busy it was
    for _ in range(args.repeat):
        for name, run in contenders(log, sigs, every, args.all).items():
            runs[name].append(run())
    print(f"\ndensity 1 in {1 / density:.0f}: {size / 1e6:.0f} MB, {failures} failure events written")
    print(f"1-minute load average: {load_before:.2f} before the runs, {os.getloadavg()[0]:.2f} after")
    print(f"{'contender':24} {'wall s':>8} {'MB/s':>7} {'cpu s':>7}  output")
    walls = {name: statistics.median(r[0] for r in results) for name, results in runs.items()}
    for name, results in runs.items():
        cpu = statistics.median(r[1] for r in results)
        shown = results[-1][2].strip()
        shown = f"{len(shown)} bytes of JSON" if shown.startswith("{") else shown
        print(f"{name:24} {walls[name]:8.2f} {size / 1e6 / walls[name]:7.0f} {cpu:7.2f}  {shown}")
    ratio = walls["grep -F -f (20, piped)"] / walls["infraprobe logs (CLI)"]
    print(f"speed of infraprobe logs relative to the piped grep: {ratio:.2f}x")
    if not args.keep:
        for path in (log, sigs, every):
            path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mb", type=float, default=500)
    parser.add_argument("--densities", default="0.001,0.02", help="error lines per line, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--log", default="/tmp/infraprobe-bench-logs.log")
    parser.add_argument("--keep", action="store_true", help="keep the generated logs")
    parser.add_argument("--all", action="store_true", help="also grep with every signature, and scan()")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"{len(SIGNATURES)} classifier signatures; grep gets 20")
    for density in (float(d) for d in args.densities.split(",")):
        run_density(args, density)


if __name__ == "__main__":
    main()
