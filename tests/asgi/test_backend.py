"""The reference backend (infraprobe.lab.backend; examples/backend runs it) under uvicorn with real PostgreSQL and Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from infraprobe.lab.backend.app import create_app
from infraprobe.lab.backend.settings import Settings
from infraprobe.testing.netfaults import ClosedPort
from tests.asgi.conftest import ROOT, free_port, poll, serve

pytestmark = [pytest.mark.needs_pg, pytest.mark.needs_redis]


def settings_for(pg: Any, redis: Any, **kw: Any) -> Settings:
    dsn = f"postgresql://{pg.user}@{pg.host}:{pg.port}/{pg.database}"
    return Settings(
        pg_dsn=dsn,
        pg_password=pg.password,
        redis_url=f"redis://{redis.host}:{redis.port}/0",
        redis_password=redis.password,
        health_token="backend-token",
        check_interval=0.3,
        check_timeout=1.0,
        **kw,
    )


async def test_backend_serves_http_websocket_and_health(pg: Any, redis_server: Any) -> None:
    """Start-up phases finish, then items (PostgreSQL), counter and WebSocket (Redis) all work."""
    with serve(create_app(settings_for(pg, redis_server))) as base:
        async with httpx.AsyncClient(base_url=base) as c:
            await poll(c.get, "/health/startup", 200, within=10)
            assert (await c.get("/health/ready")).status_code == 200
            assert (await c.post("/items", json={"name": "apple"})).status_code == 201
            assert [i["name"] for i in (await c.get("/items")).json()] == ["apple"]
            assert (await c.get("/counter")).json() == {"hits": 1}
        async with websockets.connect(base.replace("http", "ws") + "/ws") as ws:
            await ws.send("hello")
            assert json.loads(await ws.recv()) == {"echo": "hello", "messages": 1}


async def test_backend_reports_a_stopped_cache(pg: Any, redis_server: Any) -> None:
    """Redis stopped: the route answers 503 with a cause code, ready flips to 503, liveness stays 200."""
    with serve(create_app(settings_for(pg, redis_server))) as base:
        async with httpx.AsyncClient(base_url=base) as c:
            await poll(c.get, "/health/ready", 200, within=10)
            redis_server.stop()
            counter = await c.get("/counter")
            await poll(c.get, "/health/ready", 503, within=1.5)
            assert (await c.get("/health")).status_code == 200
            infra = (
                await c.get("/health/infrastructure", headers={"x-health-token": "backend-token"})
            ).json()
    assert counter.status_code == 503
    assert counter.json()["layer"] == "infrastructure"
    assert infra["checks"]["redis:responseTime"][0]["cause"] == "connection_refused"
    assert redis_server.password not in json.dumps(infra)
    assert pg.password not in json.dumps(infra)


async def test_backend_waiting_for_its_database(redis_server: Any) -> None:
    """No database: start-up waits in phase 'database', app routes say 'starting', liveness is 200."""
    with ClosedPort() as closed:
        settings = Settings(
            pg_dsn=f"postgresql://app@{closed.host}:{closed.port}/app",
            redis_url=redis_server.url(),
            check_interval=0.3,
            check_timeout=1.0,
            expose_details=True,
        )
        with serve(create_app(settings)) as base:
            async with httpx.AsyncClient(base_url=base) as c:
                await poll(c.get, "/health/startup", 503, within=2)
                body = (await c.get("/health/startup")).json()
                items = await c.get("/items")
                live = await c.get("/health")
    assert body["phases"][0]["name"] == "database"
    assert body["phases"][0]["state"] == "running"
    assert items.status_code == 503
    assert items.json() == {"error": "starting", "waiting_for": "database"}
    assert live.status_code == 200


@pytest.mark.parametrize("module", ["examples.backend", "infraprobe.lab.backend"])
def test_runs_as_python_module(pg: Any, redis_server: Any, module: str, tmp_path: Path) -> None:
    """`python -m` starts uvicorn from environment variables and becomes ready: the example from the
    repository, the package's own module (what the lab runs) from elsewhere, with no repository on its path."""
    port = free_port()
    s = settings_for(pg, redis_server)
    cwd = ROOT if module.startswith("examples") else tmp_path
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        "BACKEND_PORT": str(port),
        "BACKEND_PG_DSN": s.pg_dsn,
        "BACKEND_PG_PASSWORD": s.pg_password or "",
        "BACKEND_REDIS_URL": s.redis_url,
        "BACKEND_REDIS_PASSWORD": s.redis_password or "",
    }
    proc = subprocess.Popen([sys.executable, "-m", module], cwd=cwd, env=env, stderr=subprocess.PIPE)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as c:
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    if c.get("/health/ready").status_code == 200:
                        break
                except httpx.TransportError:
                    pass  # not listening yet
                time.sleep(0.05)
            assert c.get("/health/ready").status_code == 200
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    log = err.decode()
    assert "startup phase database: started" in log
    assert "startup phase cache: done" in log
    assert (pg.password or "") not in log
