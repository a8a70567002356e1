"""One lab run: build the site, start the parts with the scenario's faults, let the balancer decide, run
infraprobe's own commands against it, write the evidence folder, and tear everything down.

Teardown is an exit stack: whatever started is stopped in reverse order however the run ends (an
error, Ctrl-C, SIGTERM), and the namespaces go last, taking their packet filters and links with them.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infraprobe.errors import ConfigError
from infraprobe.handoff import build_report, save_report
from infraprobe.lab import envconfig, parts
from infraprobe.lab.balancer import Balancer, HealthCheck, State
from infraprobe.lab.envconfig import API_NAME, LOGIN_NAME, Endpoints
from infraprobe.lab.netns import Namespaces, exec_argv, listener, open_connection, sweep_stale
from infraprobe.lab.scenario import EXPECTED, Expected, Fault, Sizing, sizing
from infraprobe.lab.site import LOOPBACK, Site, loopback_site, netns_site
from infraprobe.output.formats.json_ import document
from infraprobe.testing._localserver import free_port
from infraprobe.testing.certs import CertAuthority

COMMAND_TIMEOUT = 120.0
SETTLE_LIMIT = 30.0
HISTORY = "history.db"
NAMES = {
    "api": API_NAME,
    "login": LOGIN_NAME,
    "backend": "backend.lab.test",
    "db": "db.lab.test",
    "cache": "cache.lab.test",
}


@dataclass(frozen=True)
class Plan:
    """What one run injects, and where; decided before anything starts."""

    scenario: str
    faults: frozenset[Fault]  # injected
    left_out: frozenset[Fault]  # asked for, but this machine cannot make them
    netns: bool
    folder: Path
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def expected(self) -> list[Expected]:
        return sorted((EXPECTED[f] for f in self.faults), key=lambda e: e.component)

    @property
    def size(self) -> Sizing:
        return sizing(self.faults)


@dataclass
class Outcome:
    plan: Plan
    roots: list[dict[str, Any]] = field(default_factory=list)
    checks: dict[str, str] = field(default_factory=dict)  # component -> ok/warn/fail
    timings: dict[str, float] = field(default_factory=dict)
    commands: dict[str, int] = field(default_factory=dict)  # command -> exit code
    notes: list[str] = field(default_factory=list)
    report: Path | None = None  # the handoff report written into the evidence folder

    @property
    def found(self) -> set[tuple[str, str, str]]:
        return {(r["component"], r["cause"], r["layer"]) for r in self.roots}

    @property
    def wanted(self) -> set[tuple[str, str, str]]:
        return {(e.component, e.cause, e.layer.value) for e in self.plan.expected}

    @property
    def ok(self) -> bool:
        """Analyze named exactly the injected faults; with none injected, every check and validation passed."""
        if self.found != self.wanted or not self.checks:
            return False
        if self.plan.faults:
            return True
        return self.commands.get("validate") == 0 and all(status != "fail" for status in self.checks.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.plan.scenario,
            "mode": "netns" if self.plan.netns else "loopback",
            "faults": sorted(f.value for f in self.plan.faults),
            "left_out": sorted(f.value for f in self.plan.left_out),
            "expected_roots": [
                {"component": c, "cause": k, "layer": lay} for c, k, lay in sorted(self.wanted)
            ],
            "roots": [{"component": c, "cause": k, "layer": lay} for c, k, lay in sorted(self.found)],
            "checks": self.checks,
            "ok": self.ok,
            "commands": self.commands,
            "timings_s": {k: round(v, 2) for k, v in self.timings.items()},
            "notes": self.notes,
        }


@dataclass
class Running:
    """What is up during a run: what the commands and the settle step need."""

    site: Site
    ends: Endpoints
    balancer: Balancer
    backend: parts.Backend
    env: dict[str, str]
    copies: list[tuple[Path, Path]]  # server logs to copy into the evidence folder
    config: Path
    monitor: parts.Background


async def run(plan: Plan, echo: Callable[[str], None] = print) -> Outcome:
    """Run the plan; everything it starts is stopped before this returns or raises."""
    outcome = Outcome(plan)
    plan.folder.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    try:
        async with contextlib.AsyncExitStack() as stack:
            _stop_on_sigterm(stack)
            running = await _start(stack, plan, echo, outcome.notes)
            _raise_if_stopped()
            outcome.timings["start"] = time.monotonic() - t0
            t1 = time.monotonic()
            outcome.notes.append(await _settle(running, plan.size))
            _raise_if_stopped()
            outcome.timings["settle"] = time.monotonic() - t1
            await _evidence(running, plan, outcome, echo)
            outcome.timings["scenario"] = time.monotonic() - t1
            t2 = time.monotonic()
            echo("stopping the lab...")
        _raise_if_stopped()
    except BaseException as exc:
        outcome.notes.append(f"stopped early: {type(exc).__name__}: {exc}")
        raise
    finally:
        if "scenario" in outcome.timings:
            outcome.timings["teardown"] = time.monotonic() - t2
        lab_json = document("lab", outcome.to_dict())  # schema and version first, as every JSON output
        (plan.folder / "lab.json").write_text(json.dumps(lab_json, indent=2) + "\n")
    return outcome


def _stop_on_sigterm(stack: contextlib.AsyncExitStack) -> None:
    # SIGTERM tears down like Ctrl-C does: cancel the run, so every exit callback runs.
    loop, task = asyncio.get_running_loop(), asyncio.current_task()
    if task is not None:
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
        stack.callback(loop.remove_signal_handler, signal.SIGTERM)


def _raise_if_stopped() -> None:
    """A stop request that an inner await swallowed still stops the run (Python 3.11's wait_for can lose a
    cancel that lands as its inner task finishes): the task still counts the request, as asyncio.Runner reads it
    for Ctrl-C."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


# -- start-up -----------------------------------------------------------------------------------------


async def _start(
    stack: contextlib.AsyncExitStack, plan: Plan, echo: Callable[[str], None], notes: list[str]
) -> Running:
    size = plan.size
    site = _site(stack, plan, size)
    work = Path(tempfile.mkdtemp(prefix="infraprobe-lab-"))
    stack.callback(shutil.rmtree, work, True)
    logs = plan.folder / "logs"
    logs.mkdir(exist_ok=True)
    db_pw, redis_pw = _secret(envconfig.DB_PASSWORD_VAR), _secret(envconfig.REDIS_PASSWORD_VAR)
    if site.netns:
        await _resolver(stack, site, plan.faults)
    echo("starting PostgreSQL and Redis...")
    pg = parts.postgres(site.host("db"), size, db_pw)
    stack.callback(pg.close)
    site.thread("db").call(pg.start)
    cache = parts.redis(site.host("cache"), redis_pw)
    stack.callback(cache.close)
    site.thread("cache").call(cache.start)
    worker = parts.Worker(site.thread("app"), _conninfo(site, pg.port), db_pw, size.worker_pool)
    stack.callback(worker.close)
    held = await asyncio.to_thread(worker.fill)
    said = f"worker holds {held} database connection(s){'; then: ' + worker.error if worker.error else ''}"
    echo(said)
    notes.append(said)
    edge = site.host("edge")
    lb_sock = listener(site.thread("edge"), edge.address, 443 if site.netns else 0)
    ends = _endpoints(site, plan, (lb_sock.getsockname()[1], pg.port, cache.port), plan.folder / "ca.crt")
    echo("starting the load balancer and the backend...")
    balancer = await _balancer(stack, site, plan, (work, lb_sock, ends.backend_port), logs / "balancer.log")
    backend = await _backend(stack, site, size, ends, (db_pw, redis_pw), logs / "backend.log")
    env = {envconfig.DB_PASSWORD_VAR: db_pw, envconfig.REDIS_PASSWORD_VAR: redis_pw, "NO_COLOR": "1"}
    config = _write_config(plan, ends)
    monitor = await _monitor(stack, site, config, env)
    copies = [(pg.log_file, logs / "postgres.log"), (cache.log_file, logs / "redis.log")]
    return Running(site, ends, balancer, backend, env, copies, config, monitor)


def _write_config(plan: Plan, ends: Endpoints) -> Path:
    scene = envconfig.Scene(plan.size, _cert_names(plan.faults), plan.created)
    doc = envconfig.render_config(f"lab-{plan.scenario}", ends, scene)
    config = plan.folder / "config.yaml"
    config.write_text(doc)
    return config


async def _monitor(
    stack: contextlib.AsyncExitStack, site: Site, config: Path, env: dict[str, str]
) -> parts.Background:
    """`infraprobe monitor` from the app's host for the whole scenario: the history a report's timeline
    reads (history.db), and its state changes as they happened (monitor.txt)."""
    folder = config.parent
    args = [
        "monitor",
        str(config),
        "--store",
        f"sqlite:///{folder.resolve() / 'history.db'}",
        "--vantage",
        "lab-app",
    ]
    monitor = parts.Background(site.host("app").ns, args, env, folder / "monitor.txt")
    stack.push_async_callback(monitor.stop)
    await monitor.start()
    return monitor


def _secret(var: str) -> str:
    """The password the environment gives (so a user can rerun config.yaml by hand), else a fresh one."""
    return os.environ.get(var) or secrets.token_urlsafe(12)


def _site(stack: contextlib.AsyncExitStack, plan: Plan, size: Sizing) -> Site:
    if not plan.netns:
        site = loopback_site()
        stack.callback(site.thread("app").close)
        return site
    sweep_stale()
    spaces = Namespaces()
    stack.callback(spaces.close)
    return netns_site(spaces, plan.faults, size)


async def _resolver(stack: contextlib.AsyncExitStack, site: Site, faults: frozenset[Fault]) -> None:
    answers = {
        NAMES["api"]: [site.host("edge").address],
        NAMES["login"]: [site.host("edge").address],
        NAMES["backend"]: [site.host("app").address],
        NAMES["db"]: [site.host("db").address],
        NAMES["cache"]: [site.host("cache").address],
    }
    servfail = [NAMES["cache"]] if Fault.DNS in faults else []
    sock = parts.resolver_socket(site.thread("conn"), site.host("conn"))
    await stack.enter_async_context(parts.Resolver(sock, answers, servfail))


def _conninfo(site: Site, port: int) -> str:
    return f"host={site.host('db').address} port={port} user=app dbname=app"


def _endpoints(site: Site, plan: Plan, ports: tuple[int, int, int], ca_file: Path) -> Endpoints:
    lb, pg, redis = ports
    if site.netns:
        return Endpoints(
            API_NAME, lb, NAMES["backend"], 8000, NAMES["db"], pg, NAMES["cache"], redis, str(ca_file)
        )
    # On loopback the system resolver answers: a `.invalid` name is how the cache's name fails there.
    cache = "cache.lab.invalid" if Fault.DNS in plan.faults else LOOPBACK
    return Endpoints(LOOPBACK, lb, LOOPBACK, free_port(), LOOPBACK, pg, cache, redis, str(ca_file))


def _cert_names(faults: frozenset[Fault]) -> tuple[str, ...]:
    return (API_NAME,) if Fault.TLS in faults else (API_NAME, LOGIN_NAME)


async def _balancer(
    stack: contextlib.AsyncExitStack,
    site: Site,
    plan: Plan,
    where: tuple[Path, socket.socket, int],
    log: Path,
) -> Balancer:
    """The balancer on its listener, with a certificate for the names the scenario says it covers."""
    work, sock, backend_port = where
    ca = CertAuthority("infraprobe lab CA")
    ca.write(plan.folder / "ca.crt")
    tls = ca.issue(*_cert_names(plan.faults)).server_context(work, "balancer")
    size, thread, app = plan.size, site.thread("edge"), site.host("app")
    check = HealthCheck(
        envconfig.HEALTH_PATH, size.lb_interval, 1.0, 1, size.lb_unhealthy_threshold, size.lb_startup_window
    )

    def connect() -> Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
        return open_connection(thread, app.address, backend_port)

    balancer = await Balancer(sock, tls, connect, check, log).start()
    stack.push_async_callback(balancer.close)
    return balancer


async def _backend(
    stack: contextlib.AsyncExitStack,
    site: Site,
    size: Sizing,
    ends: Endpoints,
    secrets_: tuple[str, str],
    log: Path,
) -> parts.Backend:
    app = site.host("app")
    env = parts.backend_env(
        size,
        host=app.address,
        port=ends.backend_port,
        db=f"{ends.db_host}:{ends.db_port}",
        cache=f"{ends.cache_host}:{ends.cache_port}",
        secrets=secrets_,
    )
    backend = parts.Backend(app.ns, env, log)
    stack.push_async_callback(backend.stop)
    return await backend.start()


# -- settle -------------------------------------------------------------------------------------------


async def _settle(running: Running, size: Sizing) -> str:
    """Wait until the backend is ready behind a balancer that says so, or until the balancer has had
    its say (enough checks after the backend started listening to mark it down)."""
    deadline = time.monotonic() + SETTLE_LIMIT
    while not await _status(running, "/health") and time.monotonic() < deadline:
        if running.backend.proc is None or running.backend.proc.returncode is not None:
            return "the backend exited during start-up (see logs/backend.log)"
        await asyncio.sleep(0.2)
    enough = running.balancer.checks_done + size.lb_unhealthy_threshold
    while time.monotonic() < deadline:
        if running.balancer.state == State.UP and await _status(running, envconfig.HEALTH_PATH):
            return "settled: the backend is ready and the balancer routes to it"
        if running.balancer.checks_done >= enough:
            return f"settled: the balancer says the backend is {running.balancer.state.value}"
        await asyncio.sleep(0.2)
    return "settle limit reached"


async def _status(running: Running, path: str) -> bool:
    """Whether the backend answers `path` with 200, asked from the app's host."""
    app = running.site.host("app")
    try:
        reader, writer = await asyncio.wait_for(
            open_connection(running.site.thread("app"), app.address, running.ends.backend_port), 1
        )
    except (OSError, TimeoutError):
        return False
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nhost: backend\r\nconnection: close\r\n\r\n".encode())
        line = await asyncio.wait_for(reader.readline(), 2)
    except (OSError, TimeoutError):
        return False
    finally:
        writer.transport.abort()
    return line.split(b" ")[1:2] == [b"200"]


# -- evidence -----------------------------------------------------------------------------------------


async def _evidence(running: Running, plan: Plan, outcome: Outcome, echo: Callable[[str], None]) -> None:
    folder, config = plan.folder, running.config
    echo(
        f"running infraprobe check and analyze from {'the app host' if running.site.netns else 'loopback'}..."
    )
    here, infraprobe = running.site.host("app").ns, _Infraprobe(running.env, outcome)
    # Side by side: each probes every component once, and the lab's limits leave room for both.
    await asyncio.gather(
        infraprobe("check", here, [str(config), "--format", "json"], folder / "check.json"),
        infraprobe("analyze", here, [str(config), "--observe", "--format", "json"], folder / "analyze.json"),
    )
    _read_results(outcome, folder)
    logs = _collect_logs(running, folder / "logs")
    junit = ["--junit", str(folder / "validate.xml")]
    await asyncio.gather(
        infraprobe("validate", here, [str(config), "--format", "json", *junit], folder / "validate.json"),
        infraprobe("logs", None, [*logs, "--format", "json"], folder / "logs.json"),
    )
    await running.monitor.stop()  # flushed: history.db is complete (`infraprobe history` reads it)
    outcome.commands["monitor"] = running.monitor.code if running.monitor.code is not None else -1
    echo("writing the handoff report...")
    outcome.report = _report(folder, outcome)


def _report(folder: Path, outcome: Outcome) -> Path | None:
    """The handoff report over the evidence folder, written into it; a report that cannot be built is a
    note, never the end of the run (the evidence it would have read is all still there)."""
    try:
        return save_report(build_report([folder]), folder)
    except (ConfigError, OSError) as exc:
        outcome.notes.append(f"no report: {exc}")
        return None


@dataclass
class _Infraprobe:
    """Runs one infraprobe command and records its exit code and time in the outcome."""

    env: dict[str, str]
    outcome: Outcome

    async def __call__(self, command: str, ns: str | None, args: list[str], out: Path) -> None:
        started = time.monotonic()
        self.outcome.commands[command] = await _command(ns, [command, *args], self.env, out)
        self.outcome.timings[command] = time.monotonic() - started


def _collect_logs(running: Running, folder: Path) -> list[str]:
    """Every part's log in the evidence folder (servers' own files copied while they still run)."""
    for source, target in running.copies:
        if source.is_file():
            shutil.copyfile(source, target)
    return sorted(str(p) for p in folder.glob("*.log"))


def _read_results(outcome: Outcome, folder: Path) -> None:
    with contextlib.suppress(OSError, ValueError):
        check = json.loads((folder / "check.json").read_text())
        outcome.checks = {r["component"]: r["status"] for r in check["results"]}
    with contextlib.suppress(OSError, ValueError):
        outcome.roots = json.loads((folder / "analyze.json").read_text())["root_causes"]


async def _command(ns: str | None, args: list[str], env: dict[str, str], out: Path) -> int:
    """Run `infraprobe ARGS` (inside namespace `ns`); its stdout is the evidence file."""
    argv = exec_argv(ns, [sys.executable, "-m", "infraprobe", *args])
    proc = await asyncio.create_subprocess_exec(
        *argv, env={**os.environ, **env}, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        stdout, stderr = await asyncio.wait_for(proc.communicate(), COMMAND_TIMEOUT)
    except BaseException:
        proc.kill()
        await proc.wait()
        raise
    _save(out, stdout, stderr)
    return proc.returncode or 0


def _save(out: Path, stdout: bytes, stderr: bytes) -> None:
    out.write_bytes(stdout)
    if stderr.strip():
        out.with_suffix(".stderr.txt").write_bytes(stderr)
