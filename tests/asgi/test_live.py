"""Through a real uvicorn on loopback, against real PostgreSQL and Redis: healthy, stopped, hanging, load."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from infraprobe.asgi import Dependency, HealthChecks, HealthMiddleware, Phase, Startup
from infraprobe.probes.postgres import PostgresCheck
from infraprobe.probes.redis import RedisCheck
from infraprobe.redact import Redactor
from infraprobe.testing.netfaults import ClosedPort, silent_server
from tests.asgi.conftest import hammer, poll, serve

pytestmark = [pytest.mark.needs_pg, pytest.mark.needs_redis]
TOKEN = "live-token"


async def static(request: Any) -> JSONResponse:
    return JSONResponse({"status": "pass"})


def app_with(checks: HealthChecks) -> Any:
    return HealthMiddleware(Starlette(routes=[Route("/static", static)]), checks)


def pg_check(pg: Any, **kw: Any) -> PostgresCheck:
    return PostgresCheck(name="postgres", dsn=pg.dsn(password=""), password=pg.password, **kw)


def redis_check(redis: Any, **kw: Any) -> RedisCheck:
    return RedisCheck(name="redis", host=redis.host, port=redis.port, password=redis.password, **kw)


def live_checks(pg: Any, redis: Any, interval: float = 0.3, **kw: Any) -> HealthChecks:
    secrets = Redactor([pg.password, redis.password])
    deps = [pg_check(pg, timeout=1), redis_check(redis, timeout=1)]
    return HealthChecks(deps, interval=interval, token=TOKEN, redactor=secrets, **kw)


async def test_healthy_stack(pg: Any, redis_server: Any) -> None:
    """Real PostgreSQL and Redis up: ready turns 200, details show both passing, no secret in sight."""
    with serve(app_with(live_checks(pg, redis_server))) as base:
        async with httpx.AsyncClient(base_url=base) as c:
            await poll(c.get, "/health/ready", 200, within=5)
            r = await c.get("/health/infrastructure", headers={"authorization": f"Bearer {TOKEN}"})
            anonymous = await c.get("/health/infrastructure")
    data = r.json()
    assert data["status"] == "pass"
    assert {k: v[0]["status"] for k, v in data["checks"].items()} == {
        "postgres:responseTime": "pass",
        "redis:responseTime": "pass",
    }
    assert data["checks"]["postgres:responseTime"][0]["observedValue"] > 0
    assert pg.password not in r.text
    assert redis_server.password not in r.text
    assert "127.0.0.1" in r.text
    assert "127.0.0.1" not in anonymous.text


async def test_stopped_dependency_flips_ready_within_one_interval(pg: Any, redis_server: Any) -> None:
    """Redis stopped mid-run: ready is 503 within one interval (plus the check), liveness stays 200."""
    interval = 0.5
    with serve(app_with(live_checks(pg, redis_server, interval=interval))) as base:
        async with httpx.AsyncClient(base_url=base) as c:
            await poll(c.get, "/health/ready", 200, within=5)
            redis_server.stop()
            took = await poll(c.get, "/health/ready", 503, within=interval + 1.0)
            assert (await c.get("/health")).status_code == 200
            infra = (await c.get("/health/infrastructure", headers={"x-health-token": TOKEN})).json()
    assert took <= interval + 0.5
    redis = infra["checks"]["redis:responseTime"][0]
    assert redis["status"] == "fail"
    assert redis["cause"] == "connection_refused"
    assert infra["verdict"]["layer"] == "infrastructure"


async def test_hanging_dependency_never_slows_the_endpoints(pg: Any) -> None:
    """A listener that accepts and never answers: every endpoint still answers within 100 ms."""
    async with silent_server() as silent:
        hung = PostgresCheck(name="postgres", host=silent.host, port=silent.port, user="x", timeout=1.5)
        checks = HealthChecks([hung], interval=0.5, expose_details=True)
        with serve(app_with(checks)) as base:
            async with httpx.AsyncClient(base_url=base) as c:
                await asyncio.sleep(0.2)  # the first check is now hanging in flight
                for path in ("/health", "/health/ready", "/health/infrastructure", "/health/startup"):
                    start = time.monotonic()
                    await c.get(path)
                    assert time.monotonic() - start < 0.1, path
                await poll(c.get, "/health/infrastructure", 503, within=3)
                infra = (await c.get("/health/infrastructure")).json()
    db = infra["checks"]["postgres:responseTime"][0]
    assert db["cause"] in ("read_timeout", "connect_timeout")
    assert "timed out" in db["output"]


async def test_startup_stuck_in_a_phase_is_visible(pg: Any) -> None:
    """Start-up waiting for a database that is not there: startup/ready 503 naming the phase, live 200."""
    with ClosedPort() as closed:
        missing = PostgresCheck(name="postgres", host=closed.host, port=closed.port, user="x", timeout=1)
        startup = Startup([Phase("database", wait_for=missing, timeout=600)])
        checks = HealthChecks([missing], interval=0.5, startup=startup, expose_details=True)
        with serve(app_with(checks)) as base:
            async with httpx.AsyncClient(base_url=base) as c:
                await asyncio.sleep(0.3)
                live = await c.get("/health")
                ready = await c.get("/health/ready")
                body = (await c.get("/health/startup")).json()
                static_route = await c.get("/static")
    assert live.status_code == 200
    assert static_route.status_code == 200
    assert ready.status_code == 503
    assert "start-up not finished" in ready.json()["output"]
    phase = body["phases"][0]
    assert body["status"] == "fail"
    assert body["startup"] == "running"
    assert phase["name"] == "database"
    assert phase["state"] == "running"
    assert phase["attempts"] >= 1
    assert phase["dependency"] == "postgres"
    assert 0.2 < phase["elapsed_s"] < 5


def pg_counters(pg: Any) -> tuple[int, int]:
    """The database's own counts for the probe database: sessions opened and transactions committed."""
    rows = pg.sql("SELECT sessions, xact_commit FROM pg_stat_database WHERE datname = %s", [pg.database])
    return int(rows[0][0]), int(rows[0][1])


async def settled_counters(pg: Any, before: tuple[int, int], runs: int) -> tuple[int, int]:
    """Sessions and commits since `before`, once the last check's backend has reported them.

    A backend's counters reach pg_stat_database only after it exits, which takes longer on a loaded
    machine: wait up to 2 s for `runs` sessions to show, then return whatever is there (the caller's
    bounds still fail if the database saw fewer or more)."""
    deadline = time.monotonic() + 2
    while True:
        sessions, commits = (a - b for a, b in zip(pg_counters(pg), before, strict=True))
        if sessions >= runs or time.monotonic() > deadline:
            return sessions, commits
        await asyncio.sleep(0.1)


async def test_2000_requests_cost_one_check_per_interval(pg: Any) -> None:
    """PostgreSQL's own session count grows once per interval while 2,000 requests hit the endpoint."""
    interval = 0.5
    checks = HealthChecks([Dependency(pg_check(pg, timeout=2), interval=interval)])
    before = pg_counters(pg)
    start = time.monotonic()  # the monitor runs from server start to stop, so that is the window
    with serve(app_with(checks)) as base:
        codes = await hammer(base, "/health/infrastructure", 2000)
    elapsed = time.monotonic() - start
    assert codes == [200] * 2000
    runs = checks.runs()["postgres"]
    sessions, commits = await settled_counters(pg, before, runs)
    # Every check is one connection and the database saw no other. A run counts when it starts, so the
    # last one may be cut short by the server's shutdown before its connection opens: one fewer is fine.
    assert runs - 1 <= sessions <= runs
    assert runs <= elapsed / interval + 2
    assert commits <= 2 * runs  # one query per check, not one per request
    print(f"2000 requests in {elapsed:.2f}s: {runs} checks, {sessions} sessions, {commits} commits")
