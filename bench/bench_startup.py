"""Start-up cost of the commands people run most often: wall time and import time, measured.

For each command it runs `python -m infraprobe ...` `--repeat` times and reports the median and the best
wall time of the whole process and its median CPU time (user + system, from `wait4`: less sensitive than wall
time to other work on a shared machine); then one run under `-X importtime` for the total import time (the sum
of the top-level cumulative times: every module the command loaded, inflated by the tracing itself) and the
five costliest imports. Target (issue 10): `--help`, `classify` and `config validate` (of the one-tcp file,
and of the two examples with sections) under 150 ms; `logs
/dev/null` is the fixed part of every `logs` run (imports, the classifier's tables, the prefilter).

Bytecode: users run from compiled modules (pip writes them on install), so the script first compiles every
tree it measures (`compileall`) and runs each child without `PYTHONDONTWRITEBYTECODE`, which a development
shell may set: with it and no `__pycache__` under `src/` (an editable install), every run would compile every
module of ours from source, about a third of `config validate`'s instructions. It says so in its output.

    .venv/bin/python bench/bench_startup.py [--repeat 7]
    .venv/bin/python bench/bench_startup.py --repeat 9 --against /path/to/older/checkout/src

`--against SRC` compares with another tree: runs alternate between it and this one (`PYTHONPATH` set to each
`src/`), so both see the same load on a shared machine; it prints wall and CPU for each, no import tracing.

`--instructions` counts the instructions each command executes, once, under valgrind's callgrind (about 50
times slower): the one figure load does not move, so two trees compare on a busy machine. With `--against`
it counts both trees.

    .venv/bin/python bench/bench_startup.py --instructions [--against /path/to/older/checkout/src]
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = str(Path(__file__).resolve().parents[1] / "src")
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CONFIG = "components:\n  - {name: web, kind: tcp, host: 127.0.0.1, port: 1}\n"


def commands(config: str) -> dict[str, list[str]]:
    return {
        "--help": ["--help"],
        "classify TEXT": ["classify", "connection refused"],
        "config validate FILE": ["config", "validate", config],
        # Files with sections (alerts; topology): their unset ${VAR}s validated with placeholders.
        "validate alerting.yaml": [
            "config",
            "validate",
            "--allow-missing-env",
            str(EXAMPLES / "alerting.yaml"),
        ],
        "validate staging-incident": ["config", "validate", str(EXAMPLES / "staging-incident.yaml")],
        "check (one refused tcp)": ["check", config],
        "logs /dev/null": ["logs", "/dev/null"],
    }


def child_env(src: str | None = None) -> dict[str, str]:
    """The children's environment: bytecode allowed (as users run), `src` first on the path if given."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": src} if src else env


def compile_trees(*srcs: str) -> None:
    """Bytecode for every module of each tree, so no run pays for compiling (see the module's docstring)."""
    for src in srcs:
        if not compileall.compile_dir(src, quiet=1):
            raise SystemExit(f"compileall failed in {src}")
    dropped = (
        " (dropped PYTHONDONTWRITEBYTECODE for the children)"
        if "PYTHONDONTWRITEBYTECODE" in os.environ
        else ""
    )
    print(f"bytecode: compiled {', '.join(srcs)} first; children may read and write __pycache__{dropped}")


def timed_run(args: list[str], src: str | None = None) -> tuple[float, float]:
    """(wall s, CPU s) of one `python -m infraprobe ARGS` process (importing infraprobe from `src` if given)."""
    env = child_env(src)
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "infraprobe", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    _, _, usage = os.wait4(child.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def import_run(args: list[str]) -> tuple[float, list[tuple[int, str]]]:
    """(import s, [(cumulative µs, module)]) of one process under -X importtime."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "infraprobe", *args],
        capture_output=True,
        text=True,
        env=child_env(),
    )
    top = [_parse(line) for line in done.stderr.splitlines() if line.startswith("import time:")]
    roots = [(cum, name) for cum, name, depth in (t for t in top if t) if depth == 0]
    return sum(cum for cum, _ in roots) / 1e6, sorted(roots, reverse=True)[:5]


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
    parser.add_argument("--against", metavar="SRC", help="another tree's src/ to compare with, interleaved")
    parser.add_argument("--instructions", action="store_true", help="count instructions under callgrind")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "env.yaml"
        config.write_text(CONFIG)
        load = os.getloadavg()[0]
        print(f"Python {sys.version.split()[0]}, nproc {os.cpu_count()}, 1-minute load average {load:.2f}")
        compile_trees(HERE, *([args.against] if args.against else []))
        if args.instructions:
            count_all(str(config), args.against)
            return
        if args.against:
            compare(str(config), args.against, args.repeat)
            return
        print(
            f"{'command':26} {'wall ms (median / best)':>24} {'CPU ms':>7} {'imports ms':>11}  costliest imports"
        )
        for label, argv in commands(str(config)).items():
            runs = [timed_run(argv) for _ in range(args.repeat)]
            wall = (
                f"{statistics.median(r[0] for r in runs) * 1000:.0f} / {min(r[0] for r in runs) * 1000:.0f}"
            )
            cpu = statistics.median(r[1] for r in runs) * 1000
            imports, costliest = import_run(argv)
            top = ", ".join(f"{name} {cum / 1000:.0f}" for cum, name in costliest)
            print(f"{label:26} {wall:>24} {cpu:7.0f} {imports * 1000:11.0f}  {top}")
        print(f"1-minute load average after the runs {os.getloadavg()[0]:.2f}")


def compare(config: str, other: str, repeat: int) -> None:
    """Each command run alternately from `other` and from this tree; medians and bests of each."""
    here = HERE
    print(f"{'command':26} {'tree':7} {'wall ms (median / best)':>24} {'CPU ms (median / best)':>23}")
    for label, argv in commands(config).items():
        runs: dict[str, list[tuple[float, float]]] = {"against": [], "this": []}
        for _ in range(repeat):
            runs["against"].append(timed_run(argv, other))
            runs["this"].append(timed_run(argv, here))
        for tree, rows in runs.items():
            walls, cpus = [r[0] * 1000 for r in rows], [r[1] * 1000 for r in rows]
            wall = f"{statistics.median(walls):.0f} / {min(walls):.0f}"
            cpu = f"{statistics.median(cpus):.0f} / {min(cpus):.0f}"
            print(f"{label:26} {tree:7} {wall:>24} {cpu:>23}")
    print(f"1-minute load average after the runs {os.getloadavg()[0]:.2f}")


def instructions(args: list[str], src: str | None = None) -> int:
    """Instructions one `python -m infraprobe ARGS` process executes (callgrind's `Collected`)."""
    env = child_env(src)
    tool = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    done = subprocess.run(
        [*tool, sys.executable, "-m", "infraprobe", *args], capture_output=True, text=True, env=env
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"callgrind gave no count: {done.stderr[-300:]}")
    return int(found.group(1))


def count_all(config: str, other: str | None) -> None:
    """Millions of instructions per command, this tree (and `other`), counted side by side on every core."""
    trees = {"this": HERE} | ({"against": other} if other else {})
    jobs = [
        (label, tree, argv, src) for label, argv in commands(config).items() for tree, src in trees.items()
    ]
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        counts = list(pool.map(lambda job: instructions(job[2], job[3]), jobs))
    print(f"{'command':26} {'tree':7} {'instructions (millions)':>24}")
    for (label, tree, _, _), count in zip(jobs, counts, strict=True):
        print(f"{label:26} {tree:7} {count / 1e6:24.0f}")


if __name__ == "__main__":
    main()
