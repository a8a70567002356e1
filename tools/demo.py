"""`./dev demo`: start a small broken environment on loopback and let `infraprobe check` explain it.

Real servers, not mocks: a throwaway PostgreSQL cluster and redis-server, an HTTP application, a reverse
proxy whose backend is dead, TLS listeners with healthy, expired and wrong-name certificates, WebSocket
endpoints, and a listener that drops connections. Their ports go into DEMO_* variables, which
`examples/local-demo.yaml` interpolates. The demo then runs the real command, prints its output, and checks
that every component was diagnosed as staged (exit 0 when it was).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from infraprobe.testing.certs import make_test_pki
from infraprobe.testing.httpservers import DemoApp, HttpServer, ReverseProxy, WsServer
from infraprobe.testing.netfaults import ClosedPort, FullBacklogListener
from infraprobe.testing.postgres import PostgresServer
from infraprobe.testing.redis import RedisServer

CONFIG = Path(__file__).resolve().parents[1] / "examples" / "local-demo.yaml"

# What each component of the example must come out as: None for healthy, else the cause code.
STAGED: dict[str, str | None] = {
    "api": None,
    "db": None,
    "cache": None,
    "cert": None,
    "events": None,
    "cache-vpc": "dns_failure",
    "gateway": "upstream_unavailable",
    "search": "connect_timeout",
    "cert-old": "tls_certificate_expired",
    "db-reporting": "auth_failed",
    "cert-name": "tls_hostname_mismatch",
    "orders": "app_error",
    "notifications": "websocket_rejected",
}


@contextlib.asynccontextmanager
async def environment(workdir: Path) -> AsyncIterator[dict[str, str]]:
    """Start every server of the demo and yield the DEMO_* variables that locate them."""
    pki = make_test_pki(workdir)
    async with contextlib.AsyncExitStack() as stack:
        pg = stack.enter_context(PostgresServer())
        redis = stack.enter_context(RedisServer(password="demo-redis-secret"))
        dead = stack.enter_context(ClosedPort())
        hole = stack.enter_context(FullBacklogListener())
        app = await stack.enter_async_context(HttpServer(DemoApp()))
        proxy = await stack.enter_async_context(HttpServer(ReverseProxy(dead.port, style="envoy")))
        tls_ok = await stack.enter_async_context(HttpServer(DemoApp(), ssl_context=pki.healthy))
        tls_old = await stack.enter_async_context(HttpServer(DemoApp(), ssl_context=pki.expired))
        tls_wrong = await stack.enter_async_context(HttpServer(DemoApp(), ssl_context=pki.wrong_name))
        ws = await stack.enter_async_context(WsServer("echo"))
        ws_reject = await stack.enter_async_context(WsServer("reject", status=403))
        yield {
            "DEMO_APP_PORT": str(app.port),
            "DEMO_PG_PORT": str(pg.port),
            "DEMO_PG_PASSWORD": pg.password,
            "DEMO_REDIS_PORT": str(redis.port),
            "DEMO_REDIS_PASSWORD": "demo-redis-secret",
            "DEMO_TLS_OK_PORT": str(tls_ok.port),
            "DEMO_TLS_EXPIRED_PORT": str(tls_old.port),
            "DEMO_TLS_WRONG_PORT": str(tls_wrong.port),
            "DEMO_CA_FILE": str(pki.ca_file),
            "DEMO_WS_PORT": str(ws.port),
            "DEMO_WS_REJECT_PORT": str(ws_reject.port),
            "DEMO_PROXY_PORT": str(proxy.port),
            "DEMO_BLACKHOLE_PORT": str(hole.port),
        }


async def run_cli(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run the real `infraprobe` command; the servers keep serving on this loop meanwhile."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "infraprobe", *args,
        env={**os.environ, **env}, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


def verify(document: str) -> list[str]:
    """Compare each component's outcome with what was staged; return the differences."""
    results = {r["component"]: r for r in json.loads(document)["results"]}
    problems = []
    for name, cause in STAGED.items():
        got = results.get(name)
        if got is None:
            problems.append(f"{name}: missing from the report")
            continue
        got_cause = (got["diagnosis"] or {}).get("cause") if got["status"] == "fail" else None
        if got_cause != cause:
            problems.append(f"{name}: expected {cause or 'healthy'}, got {got_cause or got['status']}")
    return problems


async def main() -> int:
    with tempfile.TemporaryDirectory(prefix="infraprobe-demo-") as tmp:
        print("starting the demo environment on loopback (PostgreSQL, Redis, HTTP, TLS, WebSocket)...")
        async with environment(Path(tmp)) as env:
            print(
                f"$ infraprobe check {CONFIG.relative_to(Path.cwd()) if CONFIG.is_relative_to(Path.cwd()) else CONFIG}\n"
            )
            code, table = await run_cli(env, "check", str(CONFIG))
            print(table)
            _, document = await run_cli(env, "check", str(CONFIG), "--format", "json")
    problems = verify(document)
    if problems:
        print("demo: some components were not diagnosed as staged:\n  " + "\n  ".join(problems))
        return 1
    print(f"demo: all {len(STAGED)} components diagnosed as staged (check exited {code}, as it should).")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
