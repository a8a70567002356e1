"""A canary password, given every way a secret reaches infraprobe, never appears in any output format."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from infraprobe.testing.httpservers import DemoApp, HttpServer
from infraprobe.testing.netfaults import ClosedPort

CANARY = "canary-Pw-7d41e"

CONFIG = """
environment: secrets
components:
  - name: pg-dsn
    kind: postgres
    dsn: postgresql://app:${{PW}}@127.0.0.1:{closed}/app
  - name: pg-field
    kind: postgres
    host: 127.0.0.1
    port: {closed}
    user: app
    password: ${{PW}}
  - name: redis-url
    kind: redis
    url: redis://:${{PW}}@127.0.0.1:{closed}/0
  - name: http-userinfo
    kind: http
    url: http://probe:${{PW}}@127.0.0.1:{app}/auth
  - name: http-wrong-userinfo
    kind: http
    url: http://probe:${{PW}}x@127.0.0.1:{app}/auth
  - name: http-bearer
    kind: http
    url: http://127.0.0.1:{app}/ok
    headers: {{Authorization: "Bearer ${{PW}}"}}
  - name: http-refused
    kind: http
    url: http://probe:${{PW}}@127.0.0.1:{closed}/
  - name: ws-userinfo
    kind: websocket
    url: ws://probe:${{PW}}@127.0.0.1:{closed}/ws
"""


async def _cli(*args: str) -> str:
    env = {**os.environ, "PW": CANARY, "NO_COLOR": "1"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "infraprobe", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    return out.decode() + err.decode()


@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
async def test_canary_never_printed_by_check(tmp_path: Path, fmt: str) -> None:
    """`check` in every format, over failing and passing probes of every secret-bearing kind."""
    app = DemoApp(credentials=("probe", CANARY))
    with ClosedPort() as closed:
        async with HttpServer(app) as server:
            path = tmp_path / "c.yaml"
            path.write_text(CONFIG.format(closed=closed.port, app=server.port))
            output = await _cli("check", str(path), "--format", fmt)
    assert "pg-dsn" in output  # the run really happened
    assert len(app.seen) >= 3  # and the secrets really were sent where they belong
    assert CANARY not in output
    assert CANARY[:10] not in output  # not even a prefix of it


async def test_canary_never_printed_by_config_errors(tmp_path: Path) -> None:
    """A config error next to a secret does not echo the secret."""
    path = tmp_path / "c.yaml"
    path.write_text("components:\n  - {name: a, kind: postgres, dsn: 'postgresql://u:${PW}@h/db', port: x}\n")
    output = await _cli("config", "validate", str(path))
    assert "components[0].port" in output
    assert CANARY not in output


@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
async def test_canary_never_printed_by_analyze(tmp_path: Path, fmt: str) -> None:
    """`analyze` (which runs the checks and writes whys from their messages) in every format."""
    with ClosedPort() as closed:
        async with HttpServer(DemoApp(credentials=("probe", CANARY))) as server:
            path = tmp_path / "c.yaml"
            path.write_text(CONFIG.format(closed=closed.port, app=server.port))
            output = await _cli("analyze", str(path), "--format", fmt)
    assert "pg-dsn" in output
    assert CANARY not in output


@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
async def test_canary_never_printed_by_logs(tmp_path: Path, fmt: str) -> None:
    """A log whose failures echo DSNs, key=value passwords and bearer tokens: the report masks them all."""
    log = tmp_path / "app.log"
    log.write_text(
        "2026-11-27 10:00:00,000 ERROR could not connect to postgresql://app:" + CANARY + "@db:5432/app: "
        'FATAL:  password authentication failed for user "app"\n'
        "2026-11-27 10:00:01,000 ERROR redis.exceptions.ConnectionError: Error 111 connecting to "
        "redis://:" + CANARY + "@cache:6379. Connection refused.\n"
        "2026-11-27 10:00:02,000 ERROR psycopg.OperationalError: connection failed: host=db password="
        + CANARY
        + " dbname=app: FATAL:  sorry, too many clients already\n"
        "2026-11-27 10:00:03,000 ERROR upstream returned 401 for Authorization: Bearer " + CANARY + "\n"
    )
    output = await _cli("logs", str(log), "--format", fmt)
    assert "auth_failed" in output
    assert CANARY not in output
