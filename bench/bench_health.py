"""Health endpoint throughput and database cost: infraprobe's cached endpoint vs a static route vs checking
on every request, all three on one uvicorn server (asyncio + h11), driven by wrk over loopback.

Claims under test (docs/benchmarks.md, "Health endpoints"):
- `/health/infrastructure` serves at least 90% of the static JSON route's requests per second;
- it costs the database at most one check per interval, however many requests arrive, where the common
  pattern (`SELECT 1` through the app's pool on every request) costs one query per request.

Each round starts a fresh server against a throwaway PostgreSQL and runs the three routes in turn; the
database's own counters (`pg_stat_database.sessions`, `xact_commit`) say what each route cost it. Bounded:
`--rounds` x 3 runs of `--duration` seconds each.

    .venv/bin/python bench/bench_health.py [--rounds 3] [--duration 10] [--connections 50]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

ROUTES = {"static": "/static", "infraprobe": "/health/infrastructure", "per-request": "/naive"}
INTERVAL = 5.0
OUT = Path(__file__).parent / "out" / "health.json"


# -- the server (runs in its own process: `bench_health.py serve ...`) ------------------------------------


def build_app(dsn: str, password: str, interval: float) -> Any:
    from psycopg_pool import AsyncConnectionPool
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from infraprobe.asgi import Dependency, HealthChecks, HealthMiddleware
    from infraprobe.probes.postgres import PostgresCheck

    pool = AsyncConnectionPool(dsn, kwargs={"password": password}, min_size=10, max_size=10, open=False)

    async def static(request: Request) -> JSONResponse:
        return JSONResponse({"status": "pass"})

    async def naive(request: Request) -> JSONResponse:
        # The pattern most health endpoints use: a query through the app's own pool, on every request.
        async with pool.connection() as conn:
            await conn.execute("SELECT 1")
        return JSONResponse({"status": "pass"})

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        await pool.open(wait=True)
        yield
        await pool.close()

    app = Starlette(routes=[Route("/static", static), Route("/naive", naive)], lifespan=lifespan)
    pg = PostgresCheck(name="postgres", dsn=dsn, password=password, timeout=2)
    return HealthMiddleware(app, HealthChecks([Dependency(pg, interval=interval)]))


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    app = build_app(args.dsn, os.environ["BENCH_PG_PASSWORD"], args.interval)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        loop="asyncio",
        http="h11",
        log_level="warning",
        access_log=False,
    )


# -- the driver --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(pg: Any, interval: float) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    dsn = f"postgresql://{pg.user}@{pg.host}:{pg.port}/{pg.database}"
    cmd = [sys.executable, __file__, "serve", "--dsn", dsn, "--port", str(port), "--interval", str(interval)]
    proc = subprocess.Popen(cmd, env={**os.environ, "BENCH_PG_PASSWORD": pg.password})
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):  # bounded: 10 s
        try:
            with urllib.request.urlopen(base + "/static", timeout=1):
                return proc, base
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("bench server did not start")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(10)


def counters(pg: Any) -> tuple[int, int]:
    """(sessions, xact_commit) of the bench database, as PostgreSQL itself counts them."""
    rows = pg.sql("SELECT sessions, xact_commit FROM pg_stat_database WHERE datname = %s", [pg.database])
    return int(rows[0][0]), int(rows[0][1])


def wrk(url: str, duration: float, connections: int) -> dict[str, float]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration:g}s", "--latency", url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=duration + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        "rps": rps,
        "requests": total,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan"),
    }


def measured(pg: Any, url: str, args: argparse.Namespace) -> dict[str, float]:
    """One wrk run, with what the database counted during it and the machine's load around it."""
    load_before = os.getloadavg()[0]
    before = counters(pg)
    run = wrk(url, args.duration, args.connections)
    time.sleep(0.5)  # check connections have exited by now, so their counts are flushed
    after = counters(pg)
    sessions, commits = after[0] - before[0], after[1] - before[1]
    return {**run, "sessions": sessions, "commits": commits, "load1": max(load_before, os.getloadavg()[0])}


def one_round(pg: Any, args: argparse.Namespace, index: int) -> dict[str, dict[str, float]]:
    # static and infraprobe swap places every round so a drift in machine load favours neither; the
    # per-request route goes last, because its pool's counts reach the database late (see below).
    order = ["static", "infraprobe"] if index % 2 == 0 else ["infraprobe", "static"]
    proc, base = start_server(pg, args.interval)
    try:
        results = {name: measured(pg, base + ROUTES[name], args) for name in [*order, "per-request"]}
        before = counters(pg)
    finally:
        stop_server(proc)
    # Pool connections report their counts when they exit: add what the per-request route's pool had pending.
    time.sleep(0.5)
    late = counters(pg)
    results["per-request"]["commits"] += late[1] - before[1]
    return results


def summarise(rounds: list[dict[str, dict[str, float]]], args: argparse.Namespace) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for name in ROUTES:
        runs = [r[name] for r in rounds]
        rps = statistics.median(x["rps"] for x in runs)
        per_1000 = statistics.median(1000 * x["commits"] / x["requests"] for x in runs)
        checks_per_interval = statistics.median(x["sessions"] / (args.duration / args.interval) for x in runs)
        summary[name] = {
            "rps_median": round(rps),
            "rps_runs": [round(x["rps"]) for x in runs],
            "p99_ms_median": round(statistics.median(x["p99_ms"] for x in runs), 2),
            "db_statements_per_1000_requests": round(per_1000, 3),
            "check_connections_per_interval": round(checks_per_interval, 2),
            "non_2xx": sum(x["non_2xx"] for x in runs),
            "load1_max": round(max(x["load1"] for x in runs), 2),
        }
    # Paired per round (the two runs are adjacent, so they share the machine's load at that moment).
    paired = [r["infraprobe"]["rps"] / r["static"]["rps"] for r in rounds]
    summary["ratio_infraprobe_vs_static"] = {
        "paired_median": round(statistics.median(paired), 3),
        "paired_runs": [round(x, 3) for x in paired],
        "of_medians": round(summary["infraprobe"]["rps_median"] / summary["static"]["rps_median"], 3),
    }
    return summary


def asgi_cost(pg: Any, count: int = 20_000) -> dict[str, float]:
    """CPU microseconds per request inside the app (no server, no sockets): far less sensitive to the
    machine's load than requests per second, so it shows the endpoint's own cost next to the static route."""
    import asyncio

    dsn = f"postgresql://{pg.user}@{pg.host}:{pg.port}/{pg.database}"
    app = build_app(dsn, pg.password, INTERVAL)

    async def noop_receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def sink(message: dict[str, Any]) -> None:
        pass

    async def per_request(path: str) -> float:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
                 "query_string": b"", "headers": [(b"host", b"bench")], "server": ("127.0.0.1", 80)}  # fmt: skip
        start = time.process_time()
        for _ in range(count):
            await app(scope, noop_receive, sink)
        return (time.process_time() - start) / count * 1e6

    async def both() -> dict[str, float]:
        await app.checks.start()  # type: ignore[attr-defined]
        await asyncio.sleep(0.5)  # the first check has a result now
        result = {name: round(await per_request(ROUTES[name]), 2) for name in ("static", "infraprobe")}
        await app.checks.stop()  # type: ignore[attr-defined]
        return result

    return asyncio.run(both())


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd")
    srv = sub.add_parser("serve")
    srv.add_argument("--dsn", required=True)
    srv.add_argument("--port", type=int, required=True)
    srv.add_argument("--interval", type=float, default=INTERVAL)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--interval", type=float, default=INTERVAL)
    args = parser.parse_args()
    if args.cmd == "serve":
        serve(args)
    elif shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install -y wrk")
    else:
        run(args)


def run(args: argparse.Namespace) -> None:
    from infraprobe.testing.postgres import PostgresServer

    with PostgresServer(max_connections=40) as pg:
        rounds = [one_round(pg, args, i) for i in range(max(1, min(args.rounds, 10)))]
        cost = asgi_cost(pg)
    summary = {**summarise(rounds, args), "asgi_cpu_us_per_request": cost}
    report = {"machine": machine(), "args": vars(args), "summary": summary, "rounds": rounds}
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2))
    print(json.dumps({"machine": report["machine"], "summary": report["summary"]}, indent=2))


if __name__ == "__main__":
    main()
