"""The FastAPI app: items in PostgreSQL, a counter in Redis, a WebSocket echo, and /health/*."""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
import psycopg_pool
import redis.exceptions
from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from infraprobe.asgi import Dependency, HealthChecks, HealthMiddleware, Phase, Startup, StartupFailed
from infraprobe.classifier import classify
from infraprobe.lab.backend.resources import NotReady, Resources
from infraprobe.lab.backend.settings import Settings
from infraprobe.probes.models.postgres import PostgresCheck
from infraprobe.probes.models.redis import RedisCheck
from infraprobe.redact import Redactor

log = logging.getLogger("backend")

# Errors a route can hit when a dependency is in trouble: answered 503 with the cause code, never a 500.
DEPENDENCY_ERRORS = (psycopg.OperationalError, psycopg_pool.PoolTimeout, redis.exceptions.ConnectionError)


class NewItem(BaseModel):
    name: str


def health_checks(settings: Settings, resources: Resources) -> HealthChecks:
    """What the app depends on, and the start-up phases that wait for each before opening it."""
    timeout = settings.check_timeout
    pg = PostgresCheck(name="postgres", dsn=settings.pg_dsn, password=settings.pg_password, timeout=timeout)
    cache = RedisCheck(
        name="redis", url=settings.redis_url, password=settings.redis_password, timeout=timeout
    )
    startup = Startup(
        [
            Phase("database", wait_for=pg, run=resources.open_pool, timeout=settings.db_wait),
            Phase("schema", run=resources.migrate, timeout=30),
            Phase("cache", wait_for=cache, run=resources.open_redis, timeout=settings.redis_wait),
        ],
        redactor=Redactor(settings.secrets()),
        on_failure=_exit if settings.exit_on_startup_failure else None,
    )
    return HealthChecks(
        [pg, Dependency(cache, critical=settings.redis_critical)],
        interval=settings.check_interval,
        token=settings.health_token,
        expose_details=settings.expose_details,
        startup=startup,
        redactor=Redactor(settings.secrets()),
        service_id="backend",
    )


def _exit(error: StartupFailed) -> None:
    # Graceful stop through the server's own signal handling, so the orchestrator sees the process end.
    log.error("exiting: %s", error)
    os.kill(os.getpid(), signal.SIGTERM)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.load()
    resources = Resources(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield  # start-up phases run in the background (HealthMiddleware starts them): /health answers now
        await resources.close()

    app = FastAPI(title="infraprobe reference backend", lifespan=lifespan)
    app.state.checks = health_checks(settings, resources)
    app.add_middleware(HealthMiddleware, checks=app.state.checks)
    _routes(app, resources)
    _errors(app)
    return app


def _routes(app: FastAPI, res: Resources) -> None:
    @app.get("/")
    async def index() -> dict[str, str]:
        return {"service": "backend"}

    @app.get("/items")
    async def list_items() -> list[dict[str, Any]]:
        async with res.pool.connection() as conn:
            cur = await conn.execute("SELECT id, name FROM items ORDER BY id")
            return [{"id": i, "name": n} for i, n in await cur.fetchall()]

    @app.post("/items", status_code=201)
    async def add_item(item: NewItem) -> dict[str, Any]:
        async with res.pool.connection() as conn:
            cur = await conn.execute("INSERT INTO items (name) VALUES (%s) RETURNING id", (item.name,))
            row = await cur.fetchone()
        return {"id": row[0] if row else None, "name": item.name}

    @app.get("/counter")
    async def counter() -> dict[str, int]:
        return {"hits": int(await res.redis.incr("backend:hits"))}

    @app.websocket("/ws")
    async def echo(ws: WebSocket) -> None:
        await ws.accept()
        try:
            while True:
                text = await ws.receive_text()
                count = await res.redis.incr("backend:ws")
                await ws.send_json({"echo": text, "messages": count})
        except WebSocketDisconnect:
            return


def _errors(app: FastAPI) -> None:
    @app.exception_handler(NotReady)
    async def not_ready(request: Request, exc: NotReady) -> JSONResponse:
        return JSONResponse({"error": "starting", "waiting_for": str(exc)}, status_code=503)

    async def dependency_down(request: Request, exc: Exception) -> JSONResponse:
        diagnosis = classify(exc)
        log.warning("%s %s failed: %s", request.method, request.url.path, diagnosis.cause.value)
        body = {
            "error": "dependency unavailable",
            "cause": diagnosis.cause.value,
            "layer": diagnosis.layer.value,
        }
        return JSONResponse(body, status_code=503)

    for error in DEPENDENCY_ERRORS:
        app.add_exception_handler(error, dependency_down)


app = create_app()
