"""Every command's tables in a CI log (piped: 80 columns): no line wider, no cause or layer cut (issue 10).

Real failures with long details, as an incident has them: a 500 page carrying a whole traceback, an envoy 503,
a name that does not resolve, a refused port, and long component names; the history from two real monitors
with long vantage names; the handoff report from the saved JSON of the others.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from infraprobe.testing.httpservers import HttpServer, Reply, Request

WIDTH = 80
LONG = "orders-api-behind-the-gateway"  # 29 characters, as real component names run
TRACEBACK = (
    "Internal Server Error\n\nTraceback (most recent call last):\n"
    + "".join(
        f'  File "/app/venv/lib/python3.11/site-packages/sqlalchemy/engine/base_{i}.py", line {100 + i}, '
        "in _connection_for_bind\n    return self._connection_for_bind(engine, execution_options)\n"
        for i in range(6)
    )
    + "sqlalchemy.exc.TimeoutError: QueuePool limit of size 10 overflow 15 reached, connection timed out, "
    "timeout 30.00 (Background on this error at: https://sqlalche.me/e/20/3o7r)\n"
)
ENVOY = b"upstream connect error or disconnect/reset before headers. reset reason: connection failure"
VERDICTS = {"pool_exhausted", "upstream_unavailable", "dns_failure", "connection_refused"}


async def _pool_page(request: Request) -> Reply:
    return Reply(500, TRACEBACK.encode(), [("content-type", "text/plain")])


async def _envoy(request: Request) -> Reply:
    return Reply(503, ENVOY, [("content-type", "text/plain"), ("server", "envoy")])


def _config(path: Path, app: HttpServer, gateway: HttpServer, closed_port: int) -> Path:
    path.write_text(
        "environment: staging\ndefaults: {interval: 0.2s, timeout: 1s}\ncomponents:\n"
        f'  - {{name: {LONG}, kind: http, url: "{app.url("/orders/recent")}"}}\n'
        f'  - {{name: gateway, kind: http, url: "{gateway.url("/")}", depends_on: [{LONG}]}}\n'
        "  - {name: session-cache-primary, kind: redis, host: cache.staging.invalid, port: 6379}\n"
        f"  - {{name: search-coordinator, kind: tcp, host: 127.0.0.1, port: {closed_port}}}\n"
        "validation:\n  categories:\n    - name: connectivity\n      critical: true\n      checks:\n"
        f"        - {{component: {LONG}}}\n        - {{component: gateway}}\n"
        "        - {component: session-cache-primary}\n        - {component: search-coordinator}\n"
    )
    return path


def _fits(name: str, out: str, causes: set[str]) -> None:
    """Every line within WIDTH; every cause of the run printed whole, with its layer."""
    wide = [line for line in out.splitlines() if len(line) > WIDTH]
    assert not wide, f"{name}: {len(wide)} lines over {WIDTH} columns, e.g. {wide[0]!r}"
    whole = {word for word in (*causes, "application", "infrastructure") if re.search(rf"\b{word}\b", out)}
    assert whole == {*causes, "application", "infrastructure"}, f"{name}: only {whole} printed whole"


def _cli(where: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command piped, as in a CI job, run where its files are (relative paths, as a user types them)."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": ""}
    argv = [sys.executable, "-m", "infraprobe", *args]
    return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=where, timeout=120, check=False)


def _monitor(where: Path, vantage: str) -> subprocess.Popen[str]:
    argv = ["monitor", "env.yaml", "--for", "2.5s", "--store", "sqlite:///h.db", "--vantage", vantage, "-q"]
    argv = [sys.executable, "-m", "infraprobe", *argv]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=where)


async def test_every_command_fits_80_columns_when_piped(tmp_path: Path, closed_port: int) -> None:
    async with HttpServer(_pool_page) as app, HttpServer(_envoy) as gateway:
        _config(tmp_path / "env.yaml", app, gateway, closed_port)
        monitors = [_monitor(tmp_path, vantage) for vantage in ("eu-west-1-a", "us-east-2-b")]
        (tmp_path / "evidence").mkdir()
        for name in ("check", "analyze", "validate"):
            table = await asyncio.to_thread(_cli, tmp_path, name, "env.yaml")
            _fits(name, table.stdout, VERDICTS)
            saved = await asyncio.to_thread(_cli, tmp_path, name, "env.yaml", "-o", "json")
            (tmp_path / "evidence" / f"{name}.json").write_text(saved.stdout)
        for proc in monitors:
            assert (await asyncio.to_thread(proc.wait, 60)) == 0
    assert json.loads((tmp_path / "evidence" / "check.json").read_text())["counts"]["fail"] == 4
    report = _cli(tmp_path, "report", "evidence", "env.yaml", "-o", "table")
    _fits("report", report.stdout, VERDICTS)
    history = _cli(tmp_path, "history", "env.yaml", "--store", "sqlite:///h.db")
    assert "Quorum incidents" in history.stdout and "us-east-2-b" in history.stdout
    _fits("history", history.stdout, VERDICTS)


# Unbreakable tokens longer than a line, as incidents have them: a 150-character URL in an error page, a
# config path and a log path as deep as CI checkouts and kubelet log directories make them. No spaces, no
# hyphens: nothing a word wrap could break at.
SEGMENT = "reports_2026_12_06T17.29.51Z_eu_west_1_az_a"
URL_PATH = "/api/v2/" + "/".join([SEGMENT] * 3)
DEEP = "environments/staging_eu_west_1/orders_platform_2026_q4/incident_20261206_orders_api_pool_exhaustion"
LOG_DIR = "var_log_containers_orders_api_7d9f8b6c5_x2x9q_production/orders_api_0123456789abcdef_0"


async def _long_url_page(request: Request) -> Reply:
    body = f"Internal Server Error while rendering https://orders.internal.example.com{URL_PATH}?tenant=eu_west_1"
    return Reply(500, body.encode(), [("content-type", "text/plain")])


def _unfolded(out: str) -> str:
    """The output with every line break and indent taken out: a folded token reads whole again."""
    return "".join(line.strip() for line in out.splitlines())


async def test_long_unbreakable_tokens_fold_to_80_columns(tmp_path: Path) -> None:
    """A URL, a config path and a log path longer than the line: folded (at a `/` where one is near the
    line's end), never past 80 columns, never lost, and cause and layer still whole."""
    config = Path(DEEP) / "configs" / "environment_staging_eu_west_1_orders_api.yaml"
    (tmp_path / config).parent.mkdir(parents=True)
    async with HttpServer(_long_url_page) as app:
        url = app.url(URL_PATH)
        assert len(url) > 150 and len(str(config)) > 150
        (tmp_path / config).write_text(
            f"environment: staging\ndefaults: {{interval: 0.2s, timeout: 1s}}\ncomponents:\n"
            f'  - {{name: orders, kind: http, url: "{url}"}}\n'
            "validation:\n  categories:\n    - name: api\n      critical: true\n      checks:\n"
            "        - {component: orders}\n"
        )
        monitor = await asyncio.to_thread(
            _cli, tmp_path, "monitor", str(config), "--for", "1.5s", "--store", "sqlite:///h.db", "-q"
        )
        assert monitor.returncode == 0, monitor.stderr
        (tmp_path / "evidence").mkdir()
        outputs = {}
        for name in ("check", "analyze", "validate"):
            outputs[name] = (await asyncio.to_thread(_cli, tmp_path, name, str(config))).stdout
            saved = await asyncio.to_thread(_cli, tmp_path, name, str(config), "-o", "json")
            (tmp_path / "evidence" / f"{name}.json").write_text(saved.stdout)
    outputs["report"] = _cli(tmp_path, "report", "evidence", str(config), "-o", "table").stdout
    outputs["history"] = _cli(tmp_path, "history", str(config), "--store", "sqlite:///h.db").stdout
    log = tmp_path / "logs" / LOG_DIR / f"{SEGMENT}_orders_api.log"
    log.parent.mkdir(parents=True)
    log.write_text(
        "".join(
            f"2026-12-06T17:0{i}:00Z ERROR HTTPSConnectionPool(host='backend.internal.example.com', port=8443):"
            f" Max retries exceeded with url: {URL_PATH} (Caused by NewConnectionError: Connection refused)\n"
            for i in range(3)
        )
    )
    outputs["logs"] = _cli(tmp_path, "logs", str(log.relative_to(tmp_path))).stdout
    for name, out in outputs.items():
        causes = {"connection_refused"} if name == "logs" else {"app_error"}
        layers = {"infrastructure"} if name == "logs" else {"application"}
        wide = [line for line in out.splitlines() if len(line) > WIDTH]
        assert not wide, f"{name}: {len(wide)} lines over {WIDTH} columns, e.g. {wide[0]!r}"
        assert all(re.search(rf"\b{word}\b", out) for word in (*causes, *layers)), f"{name}: {out}"
    # Folded, not lost: each token reads whole once the line breaks are taken out.
    two_segments = "/".join([SEGMENT] * 2)  # the message is capped, so the third may be cut short
    for name in ("check", "analyze", "validate", "history", "report"):
        assert two_segments in _unfolded(outputs[name]), name
    assert str(config) in _unfolded(outputs["report"])  # in the commands to rerun
    assert str(log.relative_to(tmp_path)) in _unfolded(outputs["logs"])
    assert URL_PATH in _unfolded(outputs["logs"])
