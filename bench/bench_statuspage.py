"""The status page with 1,000 components and 30 days of history: the store queries behind it, and its first
paint in Debian's chromium measured by the browser's own Performance API.

Targets (issue 12, "Speed"): the history queries under 100 ms, the first paint under 500 ms.

1. A store is filled directly (no monitor needed for 30 days): per-minute roll-ups for the last 2 days,
   per-hour for 30, per-day for 31 (what retention keeps), raw results for the last `--raw-hours` hours at the
   components' interval with the last minute of them not rolled up yet, and a few incidents (transitions).
2. The page's three history reads (`statuspage.history.load_history`: 24 h of hourly totals, 7 d of daily
   totals, both from the store's strips, and 7 d of transitions) are timed on that store, `--repeat` times.
3. A real monitor watches the same 1,000 components (tcp checks against one loopback listener, 2% against a
   closed port) and serves `--web`; chromium loads the page `--loads` times, each in a fresh context, and reads
   first-contentful-paint, the paint of the first component row (Element Timing: the browser's own paint
   time of the row, the figure the target is about), and the marks the page sets when its first screenful is
   in the document (`status-rendered`) and when all 1,000 rows are (`status-complete`, a task after the
   first paint).

    .venv/bin/python bench/bench_statuspage.py [--components 1000] [--days 30] [--repeat 7] [--loads 7]
    .venv/bin/python bench/bench_statuspage.py --postgres        # the same queries on PostgreSQL too
    .venv/bin/python bench/bench_statuspage.py --no-page         # the queries only

Loopback only; bounded by the counts above.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/browser.py: one way to launch chromium

from infraprobe.configfile import parse_config
from infraprobe.monitor.engine import Monitor
from infraprobe.monitor.http import HttpServer
from infraprobe.monitor.statuspage import StatusPage
from infraprobe.monitor.statuspage.history import DAY, HOUR, load_history
from infraprobe.monitor.store import Store, Window, open_store, strips
from infraprobe.monitor.store.rollup import floor_to
from infraprobe.testing.netfaults import ClosedPort

OUT = Path(__file__).parent / "out" / "statuspage.json"
INTERVAL = 60  # seconds between checks of one component, as in the generated history
CAUSES = ("connection_refused", "connect_timeout", "dns_failure", "tls_handshake_failed")


# -- 1. the history -----------------------------------------------------------------------------------


def names(count: int) -> list[str]:
    return [f"svc-{i:04d}" for i in range(count)]


def _rollup_rows(
    components: list[str], now: datetime, days: int, rng: random.Random
) -> Iterator[tuple[Any, ...]]:
    spans = ((60, timedelta(days=2)), (HOUR, timedelta(days=days)), (DAY, timedelta(days=days + 1)))
    for resolution, span in spans:
        first = floor_to(now - span, resolution).timestamp()
        last = floor_to(now, resolution).timestamp()
        per_bucket = max(1, resolution // INTERVAL)
        for name in components:
            bucket = first
            while bucket <= last:
                fail = per_bucket if rng.random() < 0.002 else 0
                ok = per_bucket - fail
                mean = 0.002 + rng.random() * 0.01
                histogram = json.dumps({"27": ok // 2, "30": ok - ok // 2, "40": fail})
                causes = json.dumps({rng.choice(CAUSES): fail} if fail else {})
                yield ("bench", name, resolution, bucket, per_bucket, ok, 0, fail, 0, mean * per_bucket,
                       mean * 3, histogram, causes)  # fmt: skip
                bucket += resolution


def _result_rows(components: list[str], now: datetime, hours: float) -> Iterator[tuple[Any, ...]]:
    start = now.timestamp() - hours * 3600
    for step in range(int(hours * 3600 // INTERVAL)):
        at = start + step * INTERVAL
        for i, name in enumerate(components):
            yield ("bench", name, "tcp", at + i % INTERVAL, "ok", 0.003, None, None, None, "connected", "{}")


def _transition_rows(
    components: list[str], now: datetime, days: int, rng: random.Random
) -> list[tuple[Any, ...]]:
    rows = []
    for name in rng.sample(components, len(components) // 10):  # a tenth had incidents, two each
        for _ in range(2):
            start = now.timestamp() - rng.random() * days * 86400
            cause = rng.choice(CAUSES)
            rows.append(
                ("bench", name, start, "up", "down", cause, "infrastructure", f"{cause} evidence", None, 3)
            )
            rows.append(
                ("bench", name, start + rng.randint(60, 7200), "down", "up", None, None, "ok", None, 2)
            )
    return rows


_COLUMNS = {
    "rollups": "vantage, component, resolution, bucket, total, ok, warn, fail, blocked, duration_sum, "
    "duration_max, histogram, causes",
    "results": "vantage, component, kind, at, status, duration, cause, layer, blocked_by, message, phases",
    "transitions": "vantage, component, at, from_state, to_state, cause, layer, evidence, blocked_by, streak",
}


def fill(store: Store, components: list[str], now: datetime, days: int, raw_hours: float) -> dict[str, int]:
    """Write the history straight into the store's tables, then its strips from the roll-ups (as a store
    migrated from the version before strips gets them; compaction keeps them so after)."""
    rng = random.Random(12)
    sql = store.dialect.sql  # type: ignore[attr-defined]
    rows = {
        "rollups": _rollup_rows(components, now, days, rng),
        "results": _result_rows(components, now, raw_hours),
        "transitions": iter(_transition_rows(components, now, days, rng)),
    }
    counts = {table: _copy(store, table, it) if store.url.startswith("postgres") else _insert(store, table, it)
              for table, it in rows.items()}  # fmt: skip
    # Everything but the last minute of raw results counts as rolled up, as after a compaction a minute ago.
    with store._tx() as cur:  # type: ignore[attr-defined]
        cur.execute(sql("SELECT COALESCE(MAX(id), 0) FROM results WHERE at < ?"), [now.timestamp() - 60])
        mark = int(cur.fetchall()[0][0])
        cur.execute(sql("INSERT INTO rollup_marks (vantage, last_id) VALUES (?, ?)"), ["bench", mark])
        strips.backfill(cur, sql)
        cur.execute("ANALYZE")  # planner statistics, as a database that has lived 30 days has
    return counts


def _insert(store: Store, table: str, rows: Iterator[tuple[Any, ...]]) -> int:
    """SQLite: executemany, 50,000 rows a transaction."""
    columns = _COLUMNS[table]
    statement = f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(columns.split(',')))})"
    done = 0
    while chunk := [row for _, row in zip(range(50_000), rows, strict=False)]:
        with store._tx() as cur:  # type: ignore[attr-defined]
            cur.executemany(statement, chunk)
        done += len(chunk)
    return done


def _copy(store: Store, table: str, rows: Iterator[tuple[Any, ...]]) -> int:
    """PostgreSQL: COPY, one transaction a table (row by row, 5 million rows took over an hour)."""
    done = 0
    with store._tx() as cur, cur.copy(f"COPY {table} ({_COLUMNS[table]}) FROM STDIN") as copy:  # type: ignore[attr-defined]
        for row in rows:
            copy.write_row(row)
            done += 1
    return done


# -- 2. the queries -----------------------------------------------------------------------------------


def time_queries(store: Store, components: list[str], now: datetime, repeat: int) -> dict[str, Any]:
    """Each read `repeat` times after one untimed read (the first of a process warms the caches); wall time,
    and this process's CPU time (the share that does not grow with the machine's load)."""
    reads = {
        "hours": lambda: store.series([Window(HOUR, now - timedelta(hours=23), 24)]),
        "days": lambda: store.series([Window(DAY, now - timedelta(days=6), 7)]),
        "transitions": lambda: store.transitions(now - timedelta(days=7), None, components),
        "load_history": lambda: load_history(store, now, components),  # what the page reads, every 30 s
    }
    wall: dict[str, list[float]] = {part: [] for part in reads}
    cpu: dict[str, list[float]] = {part: [] for part in reads}
    load_history(store, now, components)
    for _ in range(repeat):
        for part, read in reads.items():
            t0, c0 = time.perf_counter(), time.process_time()
            read()
            wall[part].append((time.perf_counter() - t0) * 1000)
            cpu[part].append((time.process_time() - c0) * 1000)
    history = load_history(store, now, components)
    return {
        **{f"{k}_ms_median": round(statistics.median(v), 1) for k, v in wall.items()},
        **{f"{k}_ms_max": round(max(v), 1) for k, v in wall.items()},
        **{f"{k}_cpu_ms_median": round(statistics.median(v), 1) for k, v in cpu.items()},
        "components_with_hours": sum(1 for s in history.hours.values() if sum(s.total)),
        "incidents": len(history.incidents),
    }


# -- 3. the page in the browser -----------------------------------------------------------------------

PAINT_JS = """
() => new Promise(resolve => {
  const mark = n => (performance.getEntriesByName(n)[0] || {}).startTime ?? null;
  const report = (rows) => {
    const nav = performance.getEntriesByType('navigation')[0];
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    resolve({
      response_end: nav.responseEnd, fcp: fcp ? fcp.startTime : null,
      first_row: rows.length ? rows[0].renderTime : null,
      rendered: mark('status-rendered'), complete: mark('status-complete'),
      rows: document.querySelectorAll('main tbody tr').length,
    });
  };
  const wait = () => {
    if (!performance.getEntriesByName('status-complete').length) return setTimeout(wait, 20);
    // Element Timing entries are only handed to an observer (buffered), never to getEntriesByType.
    new PerformanceObserver(list => report(list.getEntries().filter(e => e.identifier === 'status-first-row')))
      .observe({type: 'element', buffered: true});
    setTimeout(() => report([]), 2000);  // bounded: a browser without Element Timing reports null
  };
  wait();
})
"""


def serve_page(store_url: str, components: list[str], ready: threading.Event, stop: list[Any]) -> None:
    """A monitor of `components` (tcp to a listener, 2% refused) with its page, in this thread's own loop."""

    async def main() -> None:
        listener = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
        port = listener.sockets[0].getsockname()[1]
        with ClosedPort() as closed:
            lines = [
                f"  - {{name: {n}, kind: tcp, host: 127.0.0.1, port: {closed.port if i % 50 == 7 else port}, "
                f"category: group-{i % 12:02d}}}"
                for i, n in enumerate(components)
            ]
            text = (
                "environment: bench\ndefaults: {interval: 60s, failure_threshold: 1, success_threshold: 1}\n"
            )
            monitor = Monitor(parse_config(text + "components:\n" + "\n".join(lines) + "\n", "bench.yaml"))
            page = await StatusPage(monitor, open_store(store_url)).start()
            monitor.listeners.append(page)
            server = await HttpServer([page.handle], "127.0.0.1", 0).start()
            halt = asyncio.Event()
            stop.extend([asyncio.get_running_loop(), halt, server.port])
            running = asyncio.create_task(monitor.run(halt))
            ready.set()
            await halt.wait()
            await running
            await server.close()
            await page.close()
        listener.close()

    asyncio.run(main())


def time_page(store_url: str, components: list[str], loads: int) -> dict[str, Any]:
    from tests.browser import chromium

    ready, stop = threading.Event(), []  # type: ignore[var-annotated]
    thread = threading.Thread(target=serve_page, args=(store_url, components, ready, stop), daemon=True)
    thread.start()
    assert ready.wait(60), "the monitor never started"
    loop, halt, port = stop
    time.sleep(3)  # every component's first check has run: states are up or down, not unknown
    samples = []
    with chromium() as browser:
        for _ in range(loads + 1):  # the first load warms chromium itself up and is not counted
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{port}/")
            samples.append(page.evaluate(PAINT_JS))
            context.close()
    loop.call_soon_threadsafe(halt.set)
    thread.join(30)
    counted = samples[1:]
    keys = ("response_end", "fcp", "first_row", "rendered", "complete")
    seen = {k: [s[k] for s in counted if s[k] is not None] or [float("nan")] for k in keys}
    return {
        **{f"{k}_ms_median": round(statistics.median(v), 1) for k, v in seen.items()},
        **{f"{k}_ms_max": round(max(v), 1) for k, v in seen.items()},
        "rows": counted[0]["rows"],
        "loads": len(counted),
    }


# -- the run ------------------------------------------------------------------------------------------


def run(url: str, args: argparse.Namespace, components: list[str], now: datetime) -> dict[str, Any]:
    store = open_store(url)
    store.schema_version()  # creates the tables
    t0 = time.perf_counter()
    counts = fill(store, components, now, args.days, args.raw_hours)
    filled = time.perf_counter() - t0
    out = {"store": store.url.split(":")[0], "rows": counts, "fill_s": round(filled, 1)}
    out["queries"] = time_queries(store, components, now, args.repeat)
    store.close()
    return out


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "?")  # fmt: skip
    return f"{os.cpu_count()} CPU ({cpu}), {platform.platform()}, Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--components", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--raw-hours", type=float, default=24.0, help="raw results kept, at a 60 s interval")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--loads", type=int, default=7)
    parser.add_argument("--postgres", action="store_true", help="also time the queries on PostgreSQL")
    parser.add_argument("--no-page", action="store_true", help="the store's queries only, no browser")
    args = parser.parse_args()
    components, now = names(args.components), datetime.now(UTC)
    report: dict[str, Any] = {"machine": machine(), "components": args.components, "days": args.days}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite:///{tmp}/history.db"
        report["sqlite"] = run(sqlite_url, args, components, now)
        print(json.dumps(report["sqlite"]), flush=True)
        if args.postgres:
            from infraprobe.testing.postgres import PostgresServer

            # PostgreSQL's own default shared_buffers (the throwaway clusters' 8 MB suits tests, not 3 GB).
            server = PostgresServer(settings={"shared_buffers": "128MB"}).start()
            try:
                report["postgresql"] = run(server.dsn(), args, components, now)
                print(json.dumps(report["postgresql"]), flush=True)
            finally:
                server.close()
        if not args.no_page:
            report["page"] = time_page(sqlite_url, components, args.loads)
            print(json.dumps(report["page"]), flush=True)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {OUT}")


if __name__ == "__main__":
    main()
