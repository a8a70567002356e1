"""The four endpoints in process: status codes, body shape, who sees details, and mounting styles."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from infraprobe.asgi import Dependency, HealthApp, HealthChecks, HealthMiddleware, ManualClock
from infraprobe.redact import Redactor
from infraprobe.result import Status
from infraprobe.taxonomy import Cause
from tests.asgi.conftest import FakeChecker, client, tcp

TOKEN = "t0ken-for-tests"


async def ready_checks(checker: FakeChecker, **kw: Any) -> HealthChecks:
    """HealthChecks whose dependencies have each been checked once (no background loop)."""
    deps = kw.pop("deps", [tcp("db"), Dependency(tcp("cache"), critical=False)])
    checks = HealthChecks(deps, runner=checker, token=TOKEN, **kw)
    for dep in deps:
        await checks.check_now(dep.component if isinstance(dep, Dependency) else dep)
    checks._tasks.append(asyncio.create_task(asyncio.sleep(0)))  # mark started: no background loop here
    return checks


async def test_healthy_endpoints(checker: FakeChecker) -> None:
    """All dependencies pass: every endpoint answers 200 with application/health+json."""
    checks = await ready_checks(checker)
    async with client(HealthApp(checks)) as c:
        for path in ("/", "/startup", "/ready", "/infrastructure"):
            r = await c.get(path)
            assert r.status_code == 200, path
            assert r.headers["content-type"] == "application/health+json"
            assert r.headers["cache-control"] == "no-store"
            assert r.json()["status"] == "pass"


async def test_anonymous_callers_get_statuses_only(checker: FakeChecker) -> None:
    """Without the token no target, address, error text, cause or guidance leaves the process."""
    checker.set("db", Status.FAIL, Cause.CONNECTION_REFUSED, "connect to 192.0.2.15:5432 refused")
    checks = await ready_checks(checker)
    async with client(HealthApp(checks)) as c:
        r = await c.get("/infrastructure", headers={"authorization": "Bearer wrong-token"})
    assert r.status_code == 503
    text = r.text
    assert "192.0.2.15" not in text
    assert "127.0.0.1" not in text
    assert "refused" not in text
    assert set(r.json()["checks"]["db:responseTime"][0]) == {"componentType", "status", "time"}
    assert "verdict" not in r.json()


async def test_token_holders_get_details_and_verdict(checker: FakeChecker) -> None:
    """With the token: cause, layer, guidance, latency, target and an infrastructure verdict."""
    checker.set("db", Status.FAIL, Cause.CONNECTION_REFUSED, "connect refused")
    checks = await ready_checks(checker)
    async with client(HealthApp(checks), token=TOKEN) as c:
        data = (await c.get("/infrastructure")).json()
        by_header = (await c.get("/infrastructure", headers={"x-health-token": TOKEN})).json()
    db = data["checks"]["db:responseTime"][0]
    assert db["cause"] == "connection_refused"
    assert db["layer"] == "infrastructure"
    assert db["guidance"]
    assert db["observedUnit"] == "ms"
    assert db["target"] == "127.0.0.1:9"
    assert data["verdict"]["layer"] == "infrastructure"
    assert "verdict" in by_header


async def test_secrets_never_leave_even_with_details(checker: FakeChecker) -> None:
    """Credentials in error texts are masked for token holders too; the token never appears."""
    checker.set(
        "db", Status.FAIL, Cause.AUTH_FAILED, "postgresql://app:hunter2secret@db/x failed, key s3cr3t-value"
    )
    checks = await ready_checks(checker, redactor=Redactor(["s3cr3t-value"]), expose_details=True)
    async with client(HealthApp(checks)) as c:
        text = (await c.get("/infrastructure")).text
    assert "hunter2secret" not in text
    assert "s3cr3t-value" not in text
    assert TOKEN not in text
    assert "***" in text


async def test_warn_is_200_and_noncritical_fail_is_warn(checker: FakeChecker) -> None:
    """A degraded critical dependency or a failing non-critical one warns with 200; ready stays 200."""
    checker.set("db", Status.WARN, Cause.DB_CONNECTION_LIMIT, "headroom low")
    checker.set("cache", Status.FAIL, Cause.CONNECTION_REFUSED)
    checks = await ready_checks(checker)
    async with client(HealthApp(checks)) as c:
        infra = await c.get("/infrastructure")
        ready = await c.get("/ready")
    assert (infra.status_code, infra.json()["status"]) == (200, "warn")
    assert ready.status_code == 200


async def test_critical_failure_fails_ready_but_not_liveness(checker: FakeChecker) -> None:
    """A failing critical dependency: ready and infrastructure 503, liveness still 200."""
    checker.set("db", Status.FAIL, Cause.CONNECTION_REFUSED)
    checks = await ready_checks(checker)
    async with client(HealthApp(checks)) as c:
        assert (await c.get("/ready")).status_code == 503
        assert (await c.get("/infrastructure")).status_code == 503
        assert (await c.get("/")).status_code == 200


async def test_not_ready_before_first_result(checker: FakeChecker) -> None:
    """Until a critical dependency has a result, ready is 503 and its status is warn, not pass."""
    checks = HealthChecks([tcp("db")], runner=checker, expose_details=True)
    async with client(HealthApp(checks)) as c:
        checker.hang.add("db")
        r = await c.get("/ready")
        infra = (await c.get("/infrastructure")).json()
    assert r.status_code == 503
    assert "not passing: db" in r.json()["output"]
    assert infra["checks"]["db:responseTime"][0]["status"] == "warn"
    await checks.stop()


async def test_stale_result_reads_warn(checker: FakeChecker) -> None:
    """A pass older than the staleness limit is served as warn with a 'stale' note."""
    clock = ManualClock()
    checks = await ready_checks(checker, deps=[tcp("db")], clock=clock, interval=5, staleness=12)
    async with client(HealthApp(checks), token=TOKEN) as c:
        assert (await c.get("/infrastructure")).json()["status"] == "pass"
        clock.advance(13)
        data = (await c.get("/infrastructure")).json()
    assert data["status"] == "warn"
    assert data["checks"]["db:responseTime"][0]["output"].startswith("stale")


async def test_endpoints_never_wait_for_a_hanging_dependency(checker: FakeChecker) -> None:
    """With a check hanging in flight, every endpoint still answers at once."""
    checker.hang.add("db")
    checks = HealthChecks([tcp("db", timeout=30)], runner=checker)
    async with checks, client(HealthApp(checks)) as c:
        await asyncio.sleep(0.01)
        start = time.monotonic()
        codes = [(await c.get(p)).status_code for p in ("/", "/ready", "/infrastructure", "/startup")]
        assert time.monotonic() - start < 0.2
    assert codes == [200, 503, 200, 200]
    assert checker.in_flight["db"] == 0  # stop() cancelled the hanging check


async def test_methods_and_unknown_paths(checker: FakeChecker) -> None:
    """POST is 405 with Allow; HEAD has headers only; unknown sub-paths are 404."""
    checks = await ready_checks(checker)
    async with client(HealthApp(checks)) as c:
        post = await c.post("/ready")
        head = await c.head("/ready")
        missing = await c.get("/nope")
    assert post.status_code == 405
    assert post.headers["allow"] == "GET, HEAD"
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) > 0
    assert missing.status_code == 404


async def homepage(request: Any) -> PlainTextResponse:
    return PlainTextResponse("home")


async def test_mounted_in_starlette(checker: FakeChecker) -> None:
    """Mounted at /health in a Starlette router, the sub-paths resolve below the mount point."""
    checks = await ready_checks(checker)
    app = Starlette(routes=[Route("/", homepage), Mount("/health", app=HealthApp(checks))])
    async with client(app) as c:
        assert (await c.get("/")).text == "home"
        assert (await c.get("/health/")).json()["status"] == "pass"
        assert (await c.get("/health", follow_redirects=True)).status_code == 200  # Starlette adds the slash
        assert (await c.get("/health/ready")).status_code == 200


async def test_middleware_on_fastapi(checker: FakeChecker) -> None:
    """As middleware on FastAPI: /health/* answered by us, everything else by the app."""
    checks = await ready_checks(checker)
    api = FastAPI()

    @api.get("/items")
    async def items() -> dict[str, int]:
        return {"n": 1}

    app = HealthMiddleware(api, checks)
    async with client(app) as c:
        assert (await c.get("/items")).json() == {"n": 1}
        assert (await c.get("/health/infrastructure")).status_code == 200
        assert (await c.get("/healthz")).status_code == 404  # not under /health/: the app's own 404


async def test_middleware_runs_checks_with_the_lifespan(checker: FakeChecker) -> None:
    """The middleware starts monitors on lifespan.startup and stops them on shutdown."""
    checks = HealthChecks([tcp("db")], runner=checker, interval=0.05)
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await asyncio.sleep(0.12)
        await receive()
        await send({"type": "lifespan.shutdown.complete"})

    async def receive() -> dict[str, str]:
        return next(messages)

    async def send(message: Any) -> None:
        sent.append(message["type"])

    await HealthMiddleware(inner, checks)({"type": "lifespan"}, receive, send)
    assert 2 <= checker.calls["db"] <= 4
    assert not checks.running
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


async def test_bodies_are_rendered_once_per_change(checker: FakeChecker) -> None:
    """Repeated requests with nothing changed reuse the same encoded body."""
    checks = await ready_checks(checker)
    first = checks.respond("infrastructure", detail=True)
    assert checks.respond("infrastructure", detail=True)[1] is first[1]
    await checks.check_now(tcp("db"))
    assert checks.respond("infrastructure", detail=True)[1] is not first[1]
    assert json.loads(first[1])["status"] == "pass"
