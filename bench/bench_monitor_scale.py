"""Can one monitor watch 10,000 components? CPU, RSS, results written vs produced, schedule lag.

Starts real loopback targets (a tcp listener, an HTTP and an HTTPS server in a child process, a redis-server,
a PostgreSQL cluster, and a listener whose accept queue is full for the black-holed ones), writes a config of
`--components` components in the mix below, runs `infraprobe monitor` on it as a child process with a SQLite
store and `--metrics`, samples the monitor's CPU time and RSS from /proc, scrapes its schedule lag, and stops it
with SIGTERM after `--duration` seconds. Then counts the rows in the store against what the monitor produced
(lost in the pipeline) and reads every component's history for runs the schedule promised but that never
happened (missed: a gap between two results longer than the schedule allows, or no result at the end for
longer than that). Prometheus's usual 15 s scrape interval is the default (`--scrape-every`); the 1-minute
load average is printed before and after, since other work on the machine shows up as lag.

Targets (issue 11): under 25% of one core, under 300 MB resident, no result lost, lag p99 under 1 s, for
10,000 components at a 60 s interval for 10 minutes:

    .venv/bin/python bench/bench_monitor_scale.py --components 10000 --interval 60 --duration 600

Loopback only; bounded by --duration. A short run proves it works: --components 500 --interval 10 --duration 40.
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench_probes import fixed_servers
from prometheus_client.parser import text_string_to_metric_families

from infraprobe.testing._localserver import free_port
from infraprobe.testing.netfaults import FullBacklogListener
from infraprobe.testing.postgres import PostgresServer
from infraprobe.testing.redis import RedisServer

# kind -> share of the components. Postgres is few: each check is a real login (and a server process).
MIX = (("tcp", 0.55), ("http", 0.2), ("tls", 0.1), ("redis", 0.1), ("postgres", 0.04), ("blackhole", 0.01))
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def component(i: int, kind: str, t: dict[str, str]) -> str:
    name = f"{kind}{i}"
    if kind == "tcp":
        return f"  - {{name: {name}, kind: tcp, host: 127.0.0.1, port: {t['tcp']}}}"
    if kind == "http":
        return f"  - {{name: {name}, kind: http, url: 'http://127.0.0.1:{t['http']}/'}}"
    if kind == "tls":
        return f"  - {{name: {name}, kind: tls, host: 127.0.0.1, port: {t['https']}, ca_file: '{t['ca']}'}}"
    if kind == "redis":
        return f"  - {{name: {name}, kind: redis, url: 'redis://127.0.0.1:{t['redis']}/0'}}"
    if kind == "postgres":
        return f"  - {{name: {name}, kind: postgres, dsn: '{t['pg']}'}}"
    return f"  - {{name: {name}, kind: tcp, host: 127.0.0.1, port: {t['hole']}, timeout: 2s}}"


def config_text(count: int, interval: float, targets: dict[str, str]) -> str:
    kinds = [k for k, share in MIX for _ in range(max(1, round(share * count)))][:count]
    kinds += ["tcp"] * (count - len(kinds))
    items = "\n".join(component(i, k, targets) for i, k in enumerate(kinds))
    return f"environment: scale\ndefaults: {{interval: {interval}s, timeout: 5s}}\ncomponents:\n{items}\n"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 1e6


def hwm_mb(pid: int) -> float:
    """The kernel's high-water mark of the process's resident set (start-up included)."""
    line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024 / 1e6


def scrape(port: int) -> dict[str, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
        text = r.read().decode()
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "infraprobe_schedule_lag_seconds":
                out[f"lag_{s.labels['quantile']}"] = s.value
            elif s.name.startswith(("infraprobe_monitor_results", "infraprobe_store_")):
                out[s.name] = s.value
    return out


def first_round(port: int, components: int, proc: subprocess.Popen[str], limit: float = 900.0) -> float:
    """Wait until every component has a first result (start-up is the config's size in YAML parsing, and
    on a loaded machine it takes long); seconds waited."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit and proc.poll() is None:
        time.sleep(2.0)
        try:
            if scrape(port).get("infraprobe_monitor_results", 0) >= components:
                return time.monotonic() - t0
        except OSError:
            continue  # not listening yet
    raise SystemExit(f"the monitor did not finish its first round within {limit:.0f} s")


def run(args: argparse.Namespace, targets: dict[str, str], work: Path) -> None:
    config = work / "scale.yaml"
    config.write_text(config_text(args.components, args.interval, targets))
    db, port = work / "scale.db", free_port()
    cmd = [sys.executable, "-m", "infraprobe", "monitor", str(config), "--store", f"sqlite:///{db}"]
    cmd += ["--metrics", f"127.0.0.1:{port}", "--max-inflight", str(args.max_inflight)]
    load_before = os.getloadavg()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:  # a failed bench (a scrape timing out, a slow first round) must not leave the monitor running
        started = first_round(port, args.components, proc)
        time.sleep(args.warmup)  # start-up and the first round (every component at once) are not steady state
        cpu0, t0, peak, last = cpu_seconds(proc.pid), time.monotonic(), 0.0, {}
        while time.monotonic() - t0 < args.duration:
            time.sleep(min(args.scrape_every, args.duration))
            peak = max(peak, rss_mb(proc.pid))
            last = scrape(port)
        cpu = cpu_seconds(proc.pid) - cpu0
        high = hwm_mb(proc.pid)
        elapsed = time.monotonic() - t0
        proc.send_signal(signal.SIGTERM)
        stopped_at = time.time()
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stored, missed = history(db, args.components, args.interval, stopped_at)
    print(
        f"components {args.components}, interval {args.interval}s, measured {elapsed:.0f}s, from {args.warmup}s"
        f" after the first round ({started:.0f}s after start); scraped every {args.scrape_every}s"
    )
    print(
        f"load average (1 min) {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after; {os.cpu_count()} CPUs"
    )
    print(
        f"CPU {cpu / elapsed * 100:.1f}% of one core; RSS at most {peak:.0f} MB while measured, "
        f"{high:.0f} MB high-water mark since start"
    )
    print(
        f"schedule lag p50 {last.get('lag_0.5', 0) * 1000:.1f} ms, p99 {last.get('lag_0.99', 0) * 1000:.1f} ms, max {last.get('lag_1.0', 0) * 1000:.1f} ms"
    )
    print(f"results: {stored} stored; {err.strip().splitlines()[-1]}; {missed} run(s) missed by the schedule")


# The longest gap the schedule allows between two results: the second run lands up to 1.5 intervals after the
# first (its phase), later ones 1.1 intervals (+-10% jitter) after the previous; plus slack for the time a
# check takes (up to its 5 s timeout) and for lag.
def history(db: Path, components: int, interval: float, stopped_at: float) -> tuple[int, int]:
    """(results stored, runs missed): a component's run is missed when its history has a longer gap than the
    schedule allows, or ends longer than that before the monitor was stopped."""
    slack = 6.0
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT component, at FROM results ORDER BY component, at").fetchall()
    missed = components - len({r[0] for r in rows})  # never ran at all
    for _, group in itertools.groupby(rows, key=lambda r: r[0]):
        times = [at for _, at in group]
        allowed = [1.5 * interval] + [1.1 * interval] * len(times)
        ends = [*times, stopped_at]
        for gap, most in zip(itertools.pairwise(ends), allowed, strict=False):
            missed += max(0, int((gap[1] - gap[0] - slack) // most))
    return len(rows), missed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--components", type=int, default=10_000)
    parser.add_argument("--interval", type=float, default=60.0)
    parser.add_argument("--duration", type=float, default=600.0, help="seconds measured, after the warm-up")
    parser.add_argument(
        "--warmup", type=float, default=15.0, help="seconds after the first round, unmeasured"
    )
    parser.add_argument("--max-inflight", type=int, default=256)
    parser.add_argument(
        "--scrape-every", type=float, default=15.0, help="seconds between two /metrics scrapes"
    )
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        fixed_servers(Path(tmp)) as (http, https, ca),
        RedisServer(maxclients=10_000) as redis,
        PostgresServer(max_connections=200) as pg,
        FullBacklogListener() as hole,
    ):
        # The fixed-response server accepts plain connections too: it is the tcp target as well.
        targets = {"tcp": str(http), "http": str(http), "https": str(https), "ca": str(ca)}
        targets |= {"redis": str(redis.port), "pg": pg.dsn(), "hole": str(hole.port)}
        run(args, targets, Path(tmp))


if __name__ == "__main__":
    main()
