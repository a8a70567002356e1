"""How fast is the whole `infraprobe logs` command against `grep -c -F -f` with 20 signatures, piped?

For each error density (default: one line in 1,000, and one in 50: an incident's log) it generates a log
(bench/gen_logs.py: realistic noise; failures drawn from a few dozen real error texts, each copy with its own
request id) into a temporary directory (removed at the end, also on error or Ctrl-C), warms the page cache,
then runs the contenders `--repeat` times, interleaved, side by side in one run. The machine may be shared,
so it prints for each: wall time and CPU time (user+sys of the process and everything it waited for: the
scan's workers, `cat` and `grep` of the pipe), best and median, peak RSS of the largest process, and the
1-minute load average before and after.

- `cat LOG | grep -c -F -f SIGS20`: 20 fixed strings (one distinctive classifier signature per error text
  the log holds, the first 20), through a pipe, as an operator would run it (GNU grep stops early when
  its output is /dev/null, so its count goes to a pipe here);
- the whole command `infraprobe logs LOG --format json`, interpreter start-up included; it splits a large
  file over one process per CPU;
- with `--against SRC`, also the same command run from another tree (`PYTHONPATH=SRC`: main before a
  change, say), interleaved with the others, so both see the same load (a `git archive` of src/ has no
  compiled `_fastscan`: copy in one built from that source, or that tree runs its pure-Python path; the
  machine line says whether this tree's own is built);
- with `--all`, also `grep -c -F -f` with every classifier signature;
- with `--fallback-mb N`, the library scan of the log's first N MB with the pure-Python prefilter (no
  hyperscan) against the same with hyperscan, to say how much slower the fallback is.

Every run is bounded by `--timeout` seconds (killed past it, and reported).

    .venv/bin/python bench/bench_logs.py [--size-mb 500] [--densities 0.001,0.02] [--repeat 5] [--all]
        [--against OTHER_CHECKOUT/src]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from gen_logs import ERRORS, generate

from infraprobe.classifier import SIGNATURES

GREP = "grep -F -f (20, piped)"
LOGS = "infraprobe logs (CLI)"
AGAINST = "logs, --against tree"


@dataclass(frozen=True)
class Run:
    wall: float  # seconds
    cpu: float  # user+sys seconds of the process and the children it waited for
    rss_mb: float  # peak resident set of the largest of them
    output: str


def timed(cmd: list[str], timeout: float, env: dict[str, str] | None = None) -> Run:
    """One command, measured through wait4 (its own rusage, whatever else this process ran)."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, env=env)
        try:
            _, status, usage = _wait4(process, timeout)
        except TimeoutError:
            process.kill()
            os.wait4(process.pid, 0)
            raise
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text)


def _wait4(process: subprocess.Popen[bytes], timeout: float) -> tuple[int, int, os.struct_rusage]:
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            return pid, status, usage
        if time.monotonic() > deadline:
            raise TimeoutError(f"{' '.join(process.args)} ran past {timeout:.0f} s")  # type: ignore[arg-type]
        time.sleep(0.005)


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    grep = subprocess.run(["grep", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    return (
        f"nproc {os.cpu_count()}, {model}, Python {platform.python_version()}, "
        f"{platform.platform()}, {grep}, hyperscan {_hyperscan()}, compiled helpers {_native()}"
    )


def _native() -> str:
    """Whether this tree's `_fastscan` is built for its source: a stale one (an editable install not
    rebuilt after a pull) is refused and the scan runs its pure-Python twins, several times slower."""
    from infraprobe.logs import native

    if native.BUILT:
        return f"built (API {native.API})"
    return "STALE: run ./dev setup" if native.STALE else "NOT BUILT: run ./dev setup"


def _hyperscan() -> str:
    try:
        import hyperscan
    except ImportError:
        return "not installed"
    return str(getattr(hyperscan, "__version__", "installed"))


def few_signatures() -> list[str]:
    """The longest classifier signature found in each error text the generator writes, deduplicated."""
    chosen: set[str] = set()
    for text in ERRORS:
        low = text.lower()
        hits = [s for s in SIGNATURES if s in low]
        if hits:
            chosen.add(max(hits, key=len))
    return sorted(chosen)


def contenders(log: Path, sigs: Path, every: Path, args: argparse.Namespace) -> dict[str, Callable[[], Run]]:
    piped = f"cat {log} | grep -c -F -f {sigs}"
    cli = [sys.executable, "-m", "infraprobe", "logs", str(log), "-f", "json"]
    chosen: dict[str, Callable[[], Run]] = {
        GREP: lambda: timed(["sh", "-c", piped], args.timeout),
        LOGS: lambda: timed(cli, args.timeout),
    }
    if args.against:  # another tree's src/, e.g. main before a change: same command, same run
        env = {**os.environ, "PYTHONPATH": args.against}
        chosen[AGAINST] = lambda: timed(cli, args.timeout, env)
    if args.all:
        every_cmd = ["grep", "-c", "-F", "-f", str(every), str(log)]
        chosen["grep -F -f (all sigs)"] = lambda: timed(every_cmd, args.timeout)
    return chosen


def run_density(args: argparse.Namespace, density: float, folder: Path) -> None:
    log = folder / f"app-{density}.log"
    sigs, every = folder / "sigs20", folder / "sigs"
    with log.open("wb") as out:
        failures = generate(out, int(args.size_mb * 1024 * 1024), density, seed=1)
    sigs.write_text("\n".join(few_signatures()[:20]) + "\n")
    every.write_text("\n".join(SIGNATURES) + "\n")
    size = log.stat().st_size
    subprocess.run(["cat", str(log)], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
    runs = contenders(log, sigs, every, args)
    runs[LOGS]()  # one untimed run: after a classifier change, the first one rebuilds the hyperscan cache
    results: dict[str, list[Run]] = {name: [] for name in runs}
    load_before = os.getloadavg()
    for _ in range(args.repeat):
        for name, run in runs.items():
            results[name].append(run())
    load_after = os.getloadavg()
    print(f"\ndensity 1 in {1 / density:.0f}: {size / 1e6:.0f} MB, {failures} failure events written")
    print(f"load average (1/5/15 min): {_load(load_before)} before the runs, {_load(load_after)} after")
    report(results, size, args.repeat)
    events = json.loads(results[LOGS][-1].output)["events"]
    print(f"infraprobe logs counted {events} events ({'all' if events == failures else 'NOT all'} written)")
    if AGAINST in results:
        same = results[AGAINST][-1].output == results[LOGS][-1].output
        print(f"the --against tree's JSON output is {'identical' if same else 'DIFFERENT'}")
    if args.fallback_mb:
        fallback(log, args)


def _load(values: tuple[float, float, float]) -> str:
    return "/".join(f"{v:.1f}" for v in values)


def report(results: dict[str, list[Run]], size: int, repeat: int) -> None:
    print(
        f"{'contender':24} {'wall s best/median':>19} {'MB/s':>6} {'CPU s best/median':>18} {'RSS MB':>7}  output"
    )
    for name, runs in results.items():
        walls, cpus = [r.wall for r in runs], [r.cpu for r in runs]
        shown = runs[-1].output.strip()
        shown = f"{len(shown)} bytes of JSON" if shown.startswith("{") else shown
        print(
            f"{name:24} {min(walls):8.2f} / {statistics.median(walls):7.2f} "
            f"{size / 1e6 / statistics.median(walls):6.0f} {min(cpus):8.2f} / {statistics.median(cpus):7.2f} "
            f"{max(r.rss_mb for r in runs):7.0f}  {shown}"
        )
    grep = results[GREP]
    for name in (LOGS, AGAINST):
        if name not in results:
            continue
        for label, pick in (("best", min), ("median", statistics.median)):
            wall = pick(r.wall for r in grep) / pick(r.wall for r in results[name])
            cpu = pick(r.cpu for r in grep) / pick(r.cpu for r in results[name])
            print(
                f"speed of {name} relative to the piped grep ({label} of {repeat}): wall {wall:.2f}x, CPU {cpu:.2f}x"
            )


def fallback(log: Path, args: argparse.Namespace) -> None:
    """The library scan of the first `--fallback-mb` MB with each prefilter, one process each."""
    part = log.with_suffix(".head")
    with log.open("rb") as source, part.open("wb") as out:
        out.write(source.read(int(args.fallback_mb * 1024 * 1024)))
    code = "import sys; from infraprobe.logs import scan; print(scan(sys.argv[1], prefilter=sys.argv[2], workers=1).events)"
    measured = {}
    for prefilter in ("hyperscan", "python"):
        run = timed([sys.executable, "-c", code, str(part), prefilter], args.timeout)
        measured[prefilter] = run
        print(
            f"scan(prefilter={prefilter!r}) of {args.fallback_mb:g} MB, one process: wall {run.wall:.2f} s, CPU {run.cpu:.2f} s, {run.output.strip()} events"
        )
    print(f"the pure-Python fallback takes {measured['python'].cpu / measured['hyperscan'].cpu:.0f}x the CPU")
    part.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mb", type=float, default=500)
    parser.add_argument("--densities", default="0.001,0.02", help="error lines per line, comma-separated")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=300, help="seconds one run may take")
    parser.add_argument(
        "--tmpdir", default=None, help="where the temporary directory goes (default: the system's)"
    )
    parser.add_argument("--all", action="store_true", help="also grep with every classifier signature")
    parser.add_argument(
        "--against", metavar="SRC", help="also run the CLI from another tree's src/ (PYTHONPATH), interleaved"
    )
    parser.add_argument(
        "--fallback-mb", type=float, default=0, help="also time the pure-Python prefilter on this many MB"
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"{len(SIGNATURES)} classifier signatures; grep gets 20")
    with tempfile.TemporaryDirectory(prefix="infraprobe-bench-logs-", dir=args.tmpdir) as folder:
        for density in (float(d) for d in args.densities.split(",")):
            run_density(args, density, Path(folder))


if __name__ == "__main__":
    main()
