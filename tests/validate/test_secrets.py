"""The canary for validate: a password given through ${PW} (in a URL, a flow's JSON body, a log line) and a
token a flow captures never appear in any format's output, nor in the JUnit file."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from infraprobe.cli.main import main
from infraprobe.output.formats import FORMATS
from infraprobe.testing.httpservers import HttpServer, Reply, Request
from tests.validate.conftest import AuthWebSocket

CANARY = "canary-Pw-51c0e"
TOKEN = "tok-canary-93f1d"


async def _echoing_login(request: Request) -> Reply:
    """Answers with the token and, like careless apps do, echoes what it was sent."""
    doc = {
        "token": TOKEN,
        "you_sent": request.body.decode(),
        "auth": request.headers.get("authorization", ""),
    }
    return Reply(200, json.dumps(doc).encode(), [("content-type", "application/json")])


@pytest.fixture
async def echo_login() -> AsyncIterator[HttpServer]:
    async with HttpServer(_echoing_login) as server:
        yield server


def _config(tmp_path: Path, login: HttpServer, events: AuthWebSocket) -> Path:
    (tmp_path / "app.log").write_text(
        f"2026-12-06T08:00:00Z ERROR Error -3 connecting to redis://:{CANARY}@cache:6379. "
        "Temporary failure in name resolution\n"
    )
    path = tmp_path / "staging.yaml"
    path.write_text(
        f"""
components:
  - {{name: auth, kind: http, url: "http://probe:${{PW}}@127.0.0.1:{login.port}/login"}}
  - {{name: live, kind: websocket, url: "{events.url()}"}}
  - {{name: cache, kind: redis, host: 127.0.0.1, port: 1}}
validation:
  categories:
    - name: all
      critical: true
      checks:
        - {{component: auth, consistently: {{attempts: 2}}}}
        - {{logs: [app.log], expect_none: dns_failure, component: cache}}
        - {{flow: login}}
  flows:
    - name: login
      steps:
        - {{name: login, http: auth, method: POST, json: {{user: probe, password: "${{PW}}"}}, capture: {{token: $.token}},
            expect: {{body_contains: "{CANARY}-not-there"}}}}
"""
    )
    return path


def _flow_with_websocket(path: Path) -> None:
    text = path.read_text().replace('expect: {body_contains: "' + CANARY + '-not-there"}', "")
    text += '        - {name: ws, websocket: live, headers: {Authorization: "Bearer {{ token }}"}}\n'
    path.write_text(text)


def _main(*argv: str) -> int:
    try:
        main(["validate", *argv])
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.mark.parametrize("websocket_step", [False, True], ids=["failing-login", "rejected-token"])
async def test_no_secret_in_any_output(
    tmp_path: Path,
    echo_login: HttpServer,
    events: AuthWebSocket,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    websocket_step: bool,
) -> None:
    monkeypatch.setenv("PW", CANARY)
    path = _config(tmp_path, echo_login, events)
    if websocket_step:
        _flow_with_websocket(path)
    for fmt in FORMATS:
        junit = tmp_path / f"{fmt}.xml"
        code = await asyncio.to_thread(_main, str(path), "--format", fmt, "--junit", str(junit))
        captured = capsys.readouterr()
        output = captured.out + captured.err + junit.read_text()
        assert code == 1, output
        assert "dns_failure" in output  # the run really happened
        assert ("websocket_rejected" if websocket_step else "app_error") in output
        for secret in (CANARY, TOKEN, json.dumps(CANARY)[1:-1]):
            assert secret not in output, (fmt, secret)
