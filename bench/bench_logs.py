"""How fast is `infraprobe logs` against `grep -c -F -f` with the same signature list?

Generates a realistic log (bench/gen_logs.py: 0.1% failure events over ~40 real error texts) into /tmp,
writes the classifier's SIGNATURES one per line, warms the page cache, then runs each contender
`--repeat` times, interleaved (the machine may be shared: medians, and CPU time beside wall time):

- `grep -c -F -f SIGS LOG` (the baseline in PERF-FACTS) and `grep -c -i -F -f SIGS LOG` (case-insensitive,
  the same matching work the scanner does);
- `grep -c -F -f FEW LOG`: one literal per error text the log really holds (a few dozen), the least work
  that still finds every failure: the strictest baseline;
- the whole command `infraprobe logs LOG --format json`, interpreter start-up included; it splits a large
  file over one process per CPU;
- the library call `infraprobe.logs.scan(LOG)` in this process (no start-up), and the same with
  `workers=1` (one process).

CPU is user+sys of the process and of its children (the scan's workers included).

    .venv/bin/python bench/bench_logs.py [--size-mb 500] [--repeat 3] [--keep]
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


def timed(cmd: list[str]) -> tuple[float, float, str]:
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mb", type=float, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--log", default="/tmp/infraprobe-bench-logs.log")
    parser.add_argument("--keep", action="store_true", help="keep the generated log")
    args = parser.parse_args()
    log, sigs = Path(args.log), Path(args.log + ".sigs")
    with log.open("wb") as out:
        failures = generate(out, int(args.size_mb * 1024 * 1024), 0.001, seed=1)
    sigs.write_text("\n".join(SIGNATURES) + "\n")
    # The stricter baseline: grep given only one distinctive literal per error text the log really holds
    # (a few dozen, like PERF-FACTS' ~30), so it does the least work that still finds every failure.
    few = Path(args.log + ".few")
    few.write_text("\n".join(few_signatures()) + "\n")
    size = log.stat().st_size
    subprocess.run(["cat", str(log)], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
    contenders: dict[str, Callable[[], tuple[float, float, str]]] = {
        "grep -c -F -f": lambda: timed(["grep", "-c", "-F", "-f", str(sigs), str(log)]),
        "grep -c -i -F -f": lambda: timed(["grep", "-c", "-i", "-F", "-f", str(sigs), str(log)]),
        f"grep -c -F -f ({len(few_signatures())} sigs)": lambda: timed(
            ["grep", "-c", "-F", "-f", str(few), str(log)]
        ),
        "infraprobe logs (CLI)": lambda: timed(
            [sys.executable, "-m", "infraprobe", "logs", str(log), "-f", "json"]
        ),
        "scan() (library)": lambda: library(log),
        "scan(workers=1)": lambda: library(log, workers=1),
    }
    runs: dict[str, list[tuple[float, float, str]]] = {name: [] for name in contenders}
    load_before = os.getloadavg()[0]  # the machine may be shared: say how busy it was
    for _ in range(args.repeat):
        for name, run in contenders.items():
            runs[name].append(run())
    print(f"machine: {machine()}")
    print(f"log: {size / 1e6:.0f} MB, {failures} failure events written, {len(SIGNATURES)} signatures")
    print(f"1-minute load average: {load_before:.2f} before the runs, {os.getloadavg()[0]:.2f} after")
    print(f"{'contender':24} {'wall s':>8} {'MB/s':>7} {'cpu s':>7}  output")
    for name, results in runs.items():
        wall = statistics.median(r[0] for r in results)
        cpu = statistics.median(r[1] for r in results)
        shown = results[-1][2].strip()
        shown = f"{len(shown)} bytes of JSON" if shown.startswith("{") else shown
        print(f"{name:24} {wall:8.2f} {size / 1e6 / wall:7.0f} {cpu:7.2f}  {shown}")
    if not args.keep:
        log.unlink()
        sigs.unlink()
        few.unlink()


if __name__ == "__main__":
    main()
