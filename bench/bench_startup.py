"""Start-up cost of the commands people run most often: wall time and import time, measured.

For each command it runs `python -X importtime -m infraprobe ...` `--repeat` times and reports the median
wall time of the whole process and the median total import time (the sum of the top-level cumulative times
that `-X importtime` prints: every module the command loaded), plus the five costliest imports of the last
run. Target (issue 10): `--help`, `classify` and `config validate` under 150 ms.

    .venv/bin/python bench/bench_startup.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIG = "components:\n  - {name: web, kind: tcp, host: 127.0.0.1, port: 1}\n"


def commands(config: str) -> dict[str, list[str]]:
    return {
        "--help": ["--help"],
        "classify TEXT": ["classify", "connection refused"],
        "config validate FILE": ["config", "validate", config],
        "check (one refused tcp)": ["check", config],
    }


def one_run(args: list[str]) -> tuple[float, float, list[tuple[int, str]]]:
    """(wall s, import s, [(cumulative µs, module)]) of one process."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "infraprobe", *args], capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    top = [_parse(line) for line in done.stderr.splitlines() if line.startswith("import time:")]
    roots = [(cum, name) for cum, name, depth in (t for t in top if t) if depth == 0]
    return wall, sum(cum for cum, _ in roots) / 1e6, sorted(roots, reverse=True)[:5]


def _parse(line: str) -> tuple[int, str, int] | None:
    """`import time: SELF | CUMULATIVE | <indent>name` -> (cumulative µs, name, depth)."""
    parts = line.split("|")
    if len(parts) != 3 or not parts[1].strip().isdigit():
        return None  # the header line
    raw = parts[2].rstrip()
    name = raw.lstrip()
    return int(parts[1]), name, (len(raw) - len(name) - 1) // 2


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "env.yaml"
        config.write_text(CONFIG)
        load = os.getloadavg()[0]
        print(f"Python {sys.version.split()[0]}, nproc {os.cpu_count()}, 1-minute load average {load:.2f}")
        print(f"{'command':26} {'wall ms':>8} {'imports ms':>11}  costliest imports (cumulative ms)")
        for label, argv in commands(str(config)).items():
            runs = [one_run(argv) for _ in range(args.repeat)]
            wall = statistics.median(r[0] for r in runs) * 1000
            imports = statistics.median(r[1] for r in runs) * 1000
            top = ", ".join(f"{name} {cum / 1000:.0f}" for cum, name in runs[-1][2])
            print(f"{label:26} {wall:8.0f} {imports:11.0f}  {top}")


if __name__ == "__main__":
    main()
