"""The canary suite: a canary in every place a secret can be, and every output grepped for it.

Places: every kind's secret fields (written in the file and via ${VAR}), URL userinfo and query, headers,
server replies that echo them (and replies holding secrets the config never knew), log lines and JSON-lines
fields, error paths (config errors, classify, probes that fail). Outputs: each command in each format with
stdout and stderr together, config errors, the ASGI bodies with and without the token, and the library's log
records. Each canary is also looked for as a prefix and in its JSON- and URL-encoded forms.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import yaml

from infraprobe.asgi import HealthApp, HealthChecks, Phase, Startup
from infraprobe.configfile import load_config
from infraprobe.output.formats import FORMATS
from infraprobe.probes.registry import REGISTRY
from infraprobe.redact import names_secret
from infraprobe.testing._localserver import free_port
from infraprobe.testing.httpservers import DemoApp, HttpServer, Reply, Request
from infraprobe.testing.netfaults import ClosedPort
from tests.conftest import kind_test_attr

CANARY = "canary-Pw-7d41e"  # given through ${PW}: URL-safe, so it can sit in userinfo
LITERAL = "literal-Kx-93b2f"  # written in the file itself under password fields
SERVER = "server-only-Zq-5510"  # never in the config: only a hostile server's reply holds it
ODD = 'odd"Pw\\91-é'  # escapes differently in JSON, repr() and URLs
CANARIES = (CANARY, LITERAL, SERVER, ODD)
TOKEN = "health-token-4f1"
HEADER = "environment: secrets\ncomponents:\n"
# A kind whose model has a field named below supplies its canary components in its own test module
# (`SECRET_CANARIES` in tests/probes/test_<kind>*.py): YAML list items, formatted with {closed} (a refused
# port), {app} (a DemoApp that wants probe:${PW}), {echo} (EchoApp), {literal}; ${{PW}}/${{ODD}} stay ${VAR}.
KEY_FILE_PATHS = {"client_key"}  # where a key file is, not the key


def _secret_fields(kind: str) -> set[str]:
    fields = REGISTRY[kind].model.model_fields
    return {
        f for f in fields if (names_secret(f) or f in ("url", "dsn", "headers")) and f not in KEY_FILE_PATHS
    }


@functools.cache
def config_template() -> str:
    """The canary config: every kind with a secret-bearing field, in registry order, from its own tests."""
    kinds = [kind for kind in REGISTRY if _secret_fields(kind)]
    return HEADER + "".join(str(kind_test_attr(kind, "SECRET_CANARIES")).lstrip("\n") for kind in kinds)


def _forms(canary: str) -> set[str]:
    return {canary, canary[:10], json.dumps(canary)[1:-1], quote(canary, safe=""), repr(canary)[1:-1]}


def assert_clean(output: str, where: str) -> None:
    leaked = [form for c in CANARIES for form in _forms(c) if form in output]
    assert not leaked, f"{where} leaked {leaked}:\n{output}"


class EchoApp:
    """A 5xx whose body echoes the request's headers and a config dump holding a secret nobody declared."""

    def __init__(self) -> None:
        self.seen: list[Request] = []

    async def __call__(self, request: Request) -> Reply:
        self.seen.append(request)
        dump = {
            "error": "could not connect to database",
            "headers": dict(request.headers),
            "config": {"password": SERVER, "dsn": f"postgresql://app:{SERVER}@db/app"},
            "env": f"DB_PASSWORD={SERVER} PGPASSWORD={SERVER} client_secret={SERVER}",
            "repr": f"{{'password': '{SERVER}'}}",
        }
        body = json.dumps(dump, ensure_ascii=False).encode()
        return Reply(
            500,
            body,
            [("content-type", "application/json"), ("x-echo-key", request.headers.get("x-api-key", ""))],
        )


ENV = {"PW": CANARY, "ODD": ODD, "NO_COLOR": "1"}


async def _cli(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> str:
    """One command's stdout and stderr together, as a person pasting it into a ticket would."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "infraprobe", *args, env={**os.environ, **ENV, **(env or {})},
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate(stdin)
    return out.decode("utf-8", "replace") + err.decode("utf-8", "replace")


@pytest.fixture
async def config_file(tmp_path: Path) -> Any:
    app, echo = DemoApp(credentials=("probe", CANARY)), EchoApp()
    with ClosedPort() as closed:
        async with HttpServer(app) as server, HttpServer(echo) as echo_server:
            path = tmp_path / "c.yaml"
            path.write_text(
                config_template().format(
                    closed=closed.port, app=server.port, echo=echo_server.port, literal=LITERAL
                )
            )
            yield path
    assert len(app.seen) >= 2 and echo.seen, "the secrets really were sent where they belong"
    assert echo.seen[0].headers.get("x-api-key") == CANARY


def test_the_config_covers_every_secret_field_of_every_kind() -> None:
    """A kind with a secret-naming, url, dsn or headers field must put a canary in each before this passes."""
    text = config_template().format(closed=1, app=2, echo=3, literal=LITERAL)
    used = {(c["kind"], field) for c in yaml.safe_load(text)["components"] for field in c}
    for kind in REGISTRY:
        for field in _secret_fields(kind):
            assert (kind, field) in used, f"no canary in {kind}.{field}"


@pytest.mark.parametrize("command", ["check", "analyze"])
@pytest.mark.parametrize("fmt", list(FORMATS))
async def test_probing_commands_in_every_format(config_file: Path, command: str, fmt: str) -> None:
    """check and analyze, failing and passing probes of every secret-bearing kind, echoing servers."""
    output = await _cli(command, str(config_file), "--format", fmt)
    assert "pg-dsn" in output and "http-headers" in output  # the run really happened
    assert_clean(output, f"{command} --format {fmt}")


@pytest.mark.parametrize("fmt", list(FORMATS))
async def test_config_validate_in_every_format(tmp_path: Path, fmt: str) -> None:
    """`config validate -o FORMAT` reports every file without a secret of it (nothing is probed)."""
    path = tmp_path / "c.yaml"
    path.write_text(config_template().format(closed=1, app=2, echo=3, literal=LITERAL))
    output = await _cli("config", "validate", str(path), "--format", fmt)
    assert "c.yaml" in output and "error:" not in output  # the report really was written, the config valid
    assert_clean(output, f"config validate --format {fmt}")


async def test_check_json_stays_valid_json(config_file: Path) -> None:
    """Masking never edits rendered text: the JSON document parses, with the echo's secrets masked inside."""
    output = await _cli("check", str(config_file), "--format", "json")
    doc = json.loads(output[: output.rindex("}") + 1])
    echo = next(r for r in doc["results"] if r["component"] == "http-headers")
    assert "***" in echo["facts"]["body_excerpt"]


@pytest.mark.parametrize("fmt", list(FORMATS))
async def test_report_from_saved_evidence(config_file: Path, tmp_path: Path, fmt: str) -> None:
    """The handoff report built from check and analyze JSON saved from this config, in every format."""
    for command in ("check", "analyze"):
        (tmp_path / f"{command}.json").write_text(await _cli(command, str(config_file), "--format", "json"))
    output = await _cli(
        "report", str(tmp_path / "check.json"), str(tmp_path / "analyze.json"), "--format", fmt
    )
    assert "pg-dsn" in output  # the report really holds the evidence
    assert_clean(output, f"report --format {fmt}")


async def _scrape(url: str, headers: dict[str, str] | None = None) -> str:
    async with httpx.AsyncClient(headers=headers) as client:
        for _ in range(100):  # bounded: the monitor's interpreter may take a few seconds to start
            try:
                return (await client.get(url, timeout=30)).text
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise AssertionError(f"{url} never answered")


async def _events(url: str, until: str, seconds: float = 20) -> str:
    """What the status page's event stream sent until it held `until` (at most `seconds`)."""
    received: list[str] = []
    async with httpx.AsyncClient(timeout=30) as client, client.stream("GET", url) as stream:
        try:
            async with asyncio.timeout(seconds):
                async for text in stream.aiter_text():
                    received.append(text)
                    if until in "".join(received):
                        break
        except TimeoutError:
            pass
    return "".join(received)


def _monitor_defaults(config: Path) -> None:
    """Check every half second, and say down after one failure, so a short run has state changes to print."""
    text = config.read_text()
    config.write_text(
        text.replace(
            "environment: secrets\n",
            "environment: secrets\ndefaults: {interval: 0.5s, failure_threshold: 1}\n",
        )
    )


def _renamed(config: Path) -> None:
    """Every component under a new name (`b-...`): the reloaded monitor starts their states from unknown."""
    config.write_text(config.read_text().replace("{name: ", "{name: b-"))


async def test_monitor_lines_metrics_store_and_history(config_file: Path, tmp_path: Path) -> None:
    """monitor's state-change lines and notices, /metrics, /probe, the status page (its JSON anonymous and with
    the token, its event stream), every stored row, and history's formats (two vantages share the store, so
    history's quorum and per-vantage sections are rendered too)."""
    _monitor_defaults(config_file)
    db, port = tmp_path / "h.db", free_port()
    store, web = ["--store", f"sqlite:///{db}"], f"127.0.0.1:{port}"
    monitor = asyncio.create_task(
        _cli(
            "monitor",
            str(config_file),
            *store,
            "--for",
            "14s",
            "--metrics",
            web,
            "--web",
            web,
            env={"INFRAPROBE_WEB_TOKEN": TOKEN},
        )
    )
    other = asyncio.create_task(
        _cli("monitor", str(config_file), *store, "--for", "6s", "--vantage", "other", "-v")  # -v: per result
    )
    scraped = [await _scrape(f"http://{web}/metrics")]
    events = asyncio.create_task(_events(f"http://{web}/events", '"name":"b-pg-dsn"'))
    scraped += [await _scrape(f"http://{web}/probe?component={n}") for n in ("pg-dsn", "http-headers")]
    _renamed(config_file)  # new components: new states (quorum verdicts included) while the stream is open
    streamed = await events
    page = [await _scrape(f"http://{web}{path}") for path in ("/", "/status.json")]
    detailed = await _scrape(f"http://{web}/status.json", {"authorization": f"Bearer {TOKEN}"})
    output = await monitor + await other
    assert "pg-dsn unknown -> down" in output and "probe_success" in scraped[1]
    assert "event: state" in streamed and '"name":"b-pg-dsn"' in streamed
    assert '"detail":true' in detailed and '"evidence":' in detailed and '"incidents":[{' in detailed
    assert '"detail":false' in page[1]
    tables = ("results", "transitions", "vantage_views", "verdict_transitions", "vantage_events")
    with sqlite3.connect(db) as conn:
        rows = [repr(r) for table in tables for r in conn.execute(f"SELECT * FROM {table}")]
    assert len(rows) > 20
    histories = [await _cli("history", str(config_file), *store, "--format", fmt) for fmt in FORMATS]
    assert all("pg-dsn" in h for h in histories)
    by_format = dict(zip(FORMATS, histories, strict=True))
    assert '"per_vantage"' in by_format["json"] and "Per vantage" in by_format["table"]
    outputs = [("monitor", output), ("metrics", "".join(scraped)), ("store", "\n".join(rows))]
    outputs += [("status page", "\n".join(page)), ("status page events", streamed), ("details", detailed)]
    for where, out in outputs:
        assert_clean(out, where)
    for fmt, out in zip(FORMATS, histories, strict=True):
        assert_clean(out, f"history --format {fmt}")


LOG = (
    "2026-11-27 10:00:00,000 ERROR could not connect to postgresql://app:{c}@db:5432/app: FATAL:  password "
    'authentication failed for user "app"\n'
    "2026-11-27 10:00:01,000 ERROR redis.exceptions.ConnectionError: Error 111 connecting to redis://:{c}@cache:6379.\n"
    "2026-11-27 10:00:02,000 ERROR psycopg.OperationalError: connection failed: host=db password={c} dbname=app: "
    "FATAL:  sorry, too many clients already\n"
    "2026-11-27 10:00:03,000 ERROR upstream returned 401 for Authorization: Token {c}\n"
    "2026-11-27 10:00:04,000 ERROR settings {{'password': '{c}', 'host': 'db'}}: connection refused\n"
    "2026-11-27 10:00:05,000 ERROR env DB_PASSWORD={c} access_token={c} secret_key: {c} timeout expired\n"
)
JSONL = [
    {"time": "2026-11-27T10:00:06Z", "level": "error", "msg": "connection refused to db", "password": "{c}"},
    {
        "time": "2026-11-27T10:00:07Z",
        "level": "error",
        "msg": "timeout expired",
        "db": {"dsn": "postgresql://a:{c}@db/x"},
    },
    {
        "time": "2026-11-27T10:00:08Z",
        "level": "error",
        "msg": "auth failed Authorization: Bearer {c}",
        "api_key": "{c}",
    },
    {
        "time": "2026-11-27T10:00:09Z",
        "level": "error",
        "msg": "connection refused",
        "note": "x" * 190 + "{c}",
    },
]


@pytest.mark.parametrize("fmt", list(FORMATS))
async def test_logs_in_every_format(tmp_path: Path, fmt: str) -> None:
    """Log lines and JSON-lines fields that echo DSNs, key=value passwords, headers and repr() dicts."""
    (tmp_path / "app.log").write_text("".join(LOG.format(c=c) for c in (SERVER, CANARY)))
    lines = [json.dumps(r).replace("{c}", c) for c in (SERVER, CANARY) for r in JSONL]
    (tmp_path / "app.jsonl").write_text("\n".join(lines) + "\n")
    output = await _cli("logs", str(tmp_path / "app.log"), str(tmp_path / "app.jsonl"), "--format", fmt)
    assert "auth_failed" in output
    assert_clean(output, f"logs --format {fmt}")


async def test_logs_from_stdin_and_expectations() -> None:
    """The stdin path and the --expect-none occurrences (which print offending lines) mask too."""
    log = "".join(LOG.format(c=c) for c in (SERVER, CANARY)).encode()
    output = await _cli("logs", "-", "--expect-none", "auth_failed", stdin=log)
    assert "auth_failed" in output
    assert_clean(output, "logs --expect-none")


@pytest.mark.parametrize("args", [(), ("--format", "json")])
async def test_classify(args: tuple[str, ...]) -> None:
    """classify's evidence of a text that holds secrets in every shape."""
    text = LOG.format(c=SERVER).splitlines()[4] + " password=" + SERVER
    output = await _cli("classify", *args, text)
    assert "cause" in output
    assert_clean(output, f"classify {args}")


async def test_classify_jsonl_including_its_error_lines() -> None:
    """--jsonl output, and the error objects it writes for bad lines, hold no secret."""
    lines = [json.dumps({"text": line}) for line in LOG.format(c=SERVER).splitlines()]
    lines += ['{"text": 1, "password": "' + SERVER + '"}', "not json password=" + SERVER]
    output = await _cli("classify", "--jsonl", stdin=("\n".join(lines) + "\n").encode())
    assert output.count("cause") >= 6 and '"error"' in output
    assert_clean(output, "classify --jsonl")


BAD_CONFIGS = [
    "components:\n  - {name: a, kind: postgres, dsn: 'postgresql://u:${PW}@h/db', port: x}\n",
    "components:\n  - {name: a, kind: http, url: 'htp://user:${PW}@h/'}\n",
    "components:\n  - {name: a, kind: http, url: 'http://h/?token=${PW}', timeout: ${PW}}\n",
    "components:\n  - {name: a, kind: postgres, host: h, password: !secret ${PW}}\n",
    "components:\n  - {name: a, kind: postgres, host: h, password: !!int " + LITERAL + "}\n",
    "components:\n  - {name: a, kind: redis, host: h, password: [" + LITERAL + "]}\n",
    "components:\n  - {name: a, kind: http, url: 'http://h/', headers: {X-Api-Key: [" + LITERAL + "]}}\n",
    "components:\n  - {name: a, kind: websocket, url: 'wss://u:${ODD}@h:99999/'}\n",
    "components:\n  - {name: " + LITERAL + ", kind: nope, password: " + LITERAL + "}\n",
]


@pytest.mark.parametrize("index", range(len(BAD_CONFIGS)))
async def test_config_errors(tmp_path: Path, index: int) -> None:
    """Every config error path: the one-line errors name the field and never the secret value."""
    path = tmp_path / "c.yaml"
    path.write_text(BAD_CONFIGS[index])
    # Every command loads through the same loader: all three on the first configs, validate on the rest.
    commands = (
        (("config", "validate"), ("check",), ("analyze", "--no-probe"))
        if index < 3
        else (("config", "validate"), ("config", "validate", "-o", "json"))
    )
    for command in commands:
        output = await _cli(*command, str(path))
        assert "error:" in output and "Traceback" not in output, output
        assert_clean(output.replace(f"name: {LITERAL}", ""), f"{command} on bad config {index}")


async def test_asgi_bodies_with_and_without_the_token(
    config_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Every endpoint, anonymous and with the token, and every log record the library wrote meanwhile."""
    os.environ.update({"PW": CANARY, "ODD": ODD})
    try:
        loaded = load_config(config_file)
    finally:
        os.environ.pop("PW"), os.environ.pop("ODD")
    deps = list(loaded.config.components)
    startup = Startup([Phase("database", wait_for=deps[0], timeout=1)], redactor=loaded.redactor)
    checks = HealthChecks(deps, interval=30, token=TOKEN, startup=startup, redactor=loaded.redactor)
    caplog.set_level(logging.DEBUG, logger="infraprobe")
    bodies: list[str] = []
    async with checks:
        await _until_checked(checks, len(deps))
        transport = httpx.ASGITransport(app=HealthApp(checks))
        for headers in ({}, {"authorization": f"Bearer {TOKEN}"}, {"x-health-token": TOKEN}):
            async with httpx.AsyncClient(transport=transport, base_url="http://app", headers=headers) as c:
                for path in ("/", "/ready", "/infrastructure", "/startup"):
                    r = await c.get(path)
                    bodies.append(f"{path} {r.status_code} {dict(r.headers)} {r.text}")
    detailed = "\n".join(bodies)
    assert "http-headers" in detailed and "pg-dsn" in detailed  # details really were shown with the token
    assert_clean(detailed, "ASGI bodies")
    records = "\n".join(f"{r.getMessage()} {r.args}" for r in caplog.records)
    assert records, "the library logged its status changes"
    assert_clean(records, "log records")


async def _until_checked(checks: HealthChecks, count: int) -> None:
    for _ in range(300):  # bounded: 15 s at most
        if sum(1 for n in checks.runs().values() if n) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not every dependency was checked: {checks.runs()}")
