"""How long does `infraprobe lab` take to start, run a scenario, and tear down?

Runs the real command (`python -m infraprobe lab --scenario S --out DIR`) once per scenario and repeat, and
prints the phases it records in lab.json: start (namespaces, servers, worker, balancer, backend, monitor),
settle (the balancer's decision), check / analyze / validate / logs (each command, interpreter start-up
included; two at a time), teardown, and the wall time of the whole process. Everything stays on loopback
and in the lab's own namespaces; each run is bounded by the lab's own limits.

    .venv/bin/python bench/bench_lab.py [--scenario outage --scenario fixed] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PHASES = ("start", "settle", "check", "analyze", "validate", "logs", "scenario", "teardown")


def run_once(scenario: str, out: Path) -> dict[str, float]:
    args = ["--fix"] if scenario == "fixed" else ["--scenario", scenario]
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "infraprobe", "lab", *args, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    wall = time.monotonic() - started
    lab = json.loads((out / "lab.json").read_text())
    if done.returncode != 0:
        print(f"{scenario}: exit {done.returncode}\n{done.stdout}{done.stderr}", file=sys.stderr)
    return {**lab["timings_s"], "wall": round(wall, 2), "ok": lab["ok"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", action="append", help="a scenario, or `fixed` for --fix")
    parser.add_argument("--repeat", type=int, default=1)
    options = parser.parse_args()
    print("| scenario | " + " | ".join(PHASES) + " | wall | ok |")
    print("|---" * (len(PHASES) + 3) + "|")
    with tempfile.TemporaryDirectory(prefix="bench-lab-") as tmp:
        for scenario in options.scenario or ["outage", "fixed"]:
            for i in range(options.repeat):
                t = run_once(scenario, Path(tmp) / f"{scenario}-{i}")
                cells = [f"{t.get(p, float('nan')):.1f}" for p in PHASES]
                print(f"| {scenario} | " + " | ".join(cells) + f" | {t['wall']:.1f} | {t['ok']} |")


if __name__ == "__main__":
    main()
