"""CPU per failure event of `scan()`, by kind of event, against other trees, interleaved.

For each kind of failure the generator writes (bench/gen_logs.py: explained one-line errors, multi-line
tracebacks, errors no signature explains), it writes a log holding only that kind at one line in 50, and
the same log with each failure line but the first 300 replaced by an ordinary line of the same length (the
baseline: the same bytes to read, count and prefilter, the same templates to classify once). It scans each in process (`scan(LOG, workers=1)`, CPU time of
the scan alone: interpreter start-up, the classifier's import and the prefilter's database load are
outside it), best of `--rounds`, every tree in turn within a round so all see the same load, and prints
per tree and kind: (CPU of the log - CPU of the baseline) / events. With `--workers 2` the scan is split
over two processes (CPU of both: children included) and the unexplained events cross between them.

    .venv/bin/python bench/bench_log_events.py --size-mb 30 --rounds 5 --against /tmp/before/src

Each tree is its `src/` (run with `PYTHONPATH`); the JSON summaries of all trees must be identical, or
the script says which differ.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import gen_logs

KEEP = 300  # failure events left in the baseline log (see `write_logs`)
KINDS = {
    "explained": lambda e: "\n" not in e and not _unexplained(e),
    "traceback": lambda e: "\n" in e,
    "unexplained": lambda e: _unexplained(e),
}

# Run in the measured tree: one scan untimed (imports, caches), then one measured. Under callgrind,
# instrumentation is switched on around the measured scan only.
_MEASURE = """
import json, os, resource, subprocess, sys
from infraprobe.logs import scan
path, workers, callgrind = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
summary = scan(path, workers=workers)
def cpu():
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
def instrument(on):
    if callgrind:
        cmd = ["callgrind_control", "-i", "on" if on else "off", str(os.getpid())]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
instrument(True)
start = cpu()
summary = scan(path, workers=workers)
spent = cpu() - start
instrument(False)
print(json.dumps({"cpu": spent, "events": summary.events, "summary": summary.to_dict()}, sort_keys=True))
"""


def _unexplained(error: str) -> bool:
    return "invoice" in error or "KeyError 'customer_id'" in error


def write_logs(folder: Path, size_mb: float, density: float) -> dict[str, tuple[Path, int]]:
    """kind -> (log, failure events beyond the baseline's); "KIND.base" -> (its baseline, 0)."""
    logs: dict[str, tuple[Path, int]] = {}
    original = gen_logs.ERRORS
    try:
        for kind, wanted in KINDS.items():
            gen_logs.ERRORS = tuple(e for e in original if wanted(e))
            path = folder / f"{kind}.log"
            with path.open("wb") as out:
                failures = gen_logs.generate(out, int(size_mb * 1024 * 1024), density, seed=1)
            # The baseline of this kind: the same log with each failure line (and its continuation lines)
            # but the first `KEEP` turned into plain noise, so that what a scan pays once (classifying
            # each template, the classifier building its literal automaton) is in both.
            base = folder / f"{kind}.base.log"
            base.write_bytes(_neutral(path.read_bytes(), KEEP))
            logs[kind] = (path, failures - KEEP)
            logs[f"{kind}.base"] = (base, 0)
    finally:
        gen_logs.ERRORS = original
    return logs


def _neutral(data: bytes, keep: int) -> bytes:
    """`data` with every failure event after the first `keep` turned into noise of the same length."""
    out, keeping = [], False
    for line in data.split(b"\n"):
        if b" INFO " in line[:40] or b" DEBUG " in line[:40] or b" WARNING " in line[:40] or not line:
            out.append(line)
            continue
        if line[:4].isdigit():  # a failure's first line (the others are indented or untimed)
            keeping, keep = keep > 0, keep - 1
        if keeping:
            out.append(line)
        else:  # nothing a rule or an error word matches
            out.append(line[:24] + b"x" * (len(line) - 24) if line[:4].isdigit() else b" " * len(line))
    return b"\n".join(out)


def measure(src: str, path: Path, workers: int, callgrind: bool) -> dict[str, object]:
    """The scan's CPU seconds (or, under callgrind, instructions: every process's, workers included)."""
    env = {**os.environ, "PYTHONPATH": src}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cmd = [sys.executable, "-c", _MEASURE, str(path), str(workers), "1" if callgrind else "0"]
    if callgrind:
        cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=/dev/null", *cmd]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, timeout=1800)
    result: dict[str, object] = json.loads(done.stdout)
    if callgrind:
        counts = re.findall(r"^==\d+== Collected : (\d+)", done.stderr, re.MULTILINE)
        result["cpu"] = sum(int(c) for c in counts)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mb", type=float, default=30)
    parser.add_argument("--density", type=float, default=0.02)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--against", action="append", default=[], metavar="SRC")
    parser.add_argument(
        "--callgrind", action="store_true", help="count instructions (valgrind) instead of CPU time"
    )
    args = parser.parse_args()
    trees = {"this tree": str(Path(__file__).resolve().parent.parent / "src")}
    trees.update({src: src for src in args.against})
    kinds = args.kinds.split(",")
    print(f"load average before: {'/'.join(f'{v:.1f}' for v in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="infraprobe-bench-events-") as folder:
        logs = write_logs(Path(folder), args.size_mb, args.density)
        best: dict[tuple[str, str], float] = {}
        outputs: dict[tuple[str, str], str] = {}
        for _ in range(args.rounds):
            for kind in kinds:
                for variant in (kind, f"{kind}.base"):
                    for name, src in trees.items():
                        got = measure(src, logs[variant][0], args.workers, args.callgrind)
                        key = (name, variant)
                        best[key] = min(best.get(key, float("inf")), float(got["cpu"]))  # type: ignore[arg-type]
                        outputs[key] = json.dumps(got["summary"], sort_keys=True)
        print(f"load average after: {'/'.join(f'{v:.1f}' for v in os.getloadavg())}")
        for kind in kinds:
            events = logs[kind][1]
            for name in trees:
                extra = best[(name, kind)] - best[(name, f"{kind}.base")]
                if args.callgrind:
                    print(
                        f"{kind:12} {name:28} {events:6} events: {best[(name, kind)]:,.0f} - "
                        f"{best[(name, f'{kind}.base')]:,.0f} instructions = {extra / events:8,.0f} per event"
                    )
                    continue
                print(
                    f"{kind:12} {name:28} {events:6} events: {best[(name, kind)]:.3f} s - "
                    f"{best[(name, f'{kind}.base')]:.3f} s = {extra / events * 1e6:6.1f} us/event"
                )
            same = {outputs[(name, kind)] for name in trees}
            print(f"{kind:12} JSON summaries {'identical' if len(same) == 1 else 'DIFFERENT'} across trees")


if __name__ == "__main__":
    main()
