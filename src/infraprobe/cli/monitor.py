"""`infraprobe monitor CONFIG`: probe continuously, keep the history, serve metrics, show state changes."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from infraprobe.alerts.manager import Alerts
from infraprobe.cli.common import console_err, load, write_out
from infraprobe.config.types import parse_duration
from infraprobe.errors import UsageError
from infraprobe.monitor.engine import Monitor, default_vantage, watch_config
from infraprobe.monitor.http import HttpServer, parse_listen
from infraprobe.monitor.live import LineOutput, LiveTable
from infraprobe.monitor.metrics import MetricsServer
from infraprobe.monitor.quorum import Policy
from infraprobe.monitor.recorder import DEFAULT_MAX_BUFFERED, Recorder
from infraprobe.monitor.schedule import DEFAULT_MAX_INFLIGHT
from infraprobe.monitor.store import Retention, Store, open_store
from infraprobe.monitor.vantages import Quorum

if TYPE_CHECKING:
    from infraprobe.monitor.statuspage import StatusPage

TOKEN_ENV = "INFRAPROBE_WEB_TOKEN"  # an environment variable, not an option: options show in `ps`

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="history store: sqlite:///PATH or postgresql://... (default: CONFIG's name + .history.db beside it)",
    ),
]


def register(app: typer.Typer) -> None:
    app.command("monitor")(monitor)


def default_store(config: Path) -> str:
    return f"sqlite:///{config.with_name(config.stem + '.history.db')}"


def monitor(
    config: Annotated[Path, typer.Argument(help="environment config (YAML)")],
    store: StoreOption = None,
    vantage: Annotated[
        str | None, typer.Option("--vantage", help="this monitor's name in the history (default: host name)")
    ] = None,
    metrics: Annotated[
        str | None,
        typer.Option("--metrics", help="serve Prometheus metrics on HOST:PORT, e.g. 127.0.0.1:9115"),
    ] = None,
    web: Annotated[
        str | None,
        typer.Option("--web", help="serve the live status page on HOST:PORT, e.g. 127.0.0.1:8080"),
    ] = None,
    web_details: Annotated[
        bool,
        typer.Option(
            "--web-details",
            help=f"show details (targets, evidence, guidance) to every visitor of --web; otherwise only to "
            f"those presenting ${TOKEN_ENV}",
        ),
    ] = False,
    max_inflight: Annotated[
        # `--max-in-flight`, as `check` spells it; the old spelling still works
        int, typer.Option("--max-in-flight", "--max-inflight", min=1, help="checks running at once, at most")
    ] = DEFAULT_MAX_INFLIGHT,
    max_buffered: Annotated[
        int, typer.Option("--max-buffered", min=1, help="results kept in memory while the store is down")
    ] = DEFAULT_MAX_BUFFERED,
    keep_raw: Annotated[
        str, typer.Option("--keep-raw", help="keep raw successful results this long (failures: 30 days)")
    ] = "2d",
    flush_timeout: Annotated[
        str, typer.Option("--flush-timeout", help="on stop, wait this long for an unavailable store")
    ] = "30s",
    run_for: Annotated[
        str | None, typer.Option("--for", help="stop after this long (e.g. 10m); default: until stopped")
    ] = None,
    quorum: Annotated[
        Policy | None,
        typer.Option(
            "--quorum",
            help="how many of the vantages sharing the store must see a component down "
            "(default: the config's vantages.quorum, else majority)",
        ),
    ] = None,
) -> None:
    """Probe every component on its interval; keep the history; say when a state changes and why."""
    loaded = load(config)
    listen, web_listen = _listen(metrics, "--metrics"), _listen(web, "--web")
    retention = Retention(raw_ok=timedelta(seconds=parse_option_duration(keep_raw, "--keep-raw")))
    limit = parse_option_duration(run_for, "--for") if run_for else None
    flush_wait = parse_option_duration(flush_timeout, "--flush-timeout")
    store_url = store or default_store(config)
    history = open_store(store_url)

    def say(message: str) -> None:
        console_err(f"monitor: {loaded.redactor(message)}")

    recorder = Recorder(history, max_buffered=max_buffered, retention=retention, notice=say)
    name = vantage or default_vantage()
    # The other vantages' views are read on a connection of their own: the recorder's is its thread's.
    peers = open_store(store_url)
    verdicts = Quorum(name, quorum, peers=peers)
    mon = Monitor(loaded, recorder=recorder, vantage=name, max_inflight=max_inflight, quorum=verdicts)
    alerts = Alerts.for_config(loaded, store_url, notice=say)  # its own connection: its own thread
    console_err(
        f"monitoring {len(mon.components)} component(s) as vantage {mon.vantage!r} (quorum: {verdicts.policy}); "
        f"history in {history.url}"
        + (f"; alerts to {len(alerts.dispatcher.senders)} provider(s)" if alerts else "")
    )
    page = Web(web_listen, open_store(store_url), web_details) if web_listen else None
    recorder.start()
    if alerts is not None:
        alerts.add_suppressor(verdicts.path_reason)
        mon.listeners.append(alerts)
        alerts.start()
    try:
        asyncio.run(_run(mon, config, listen, limit, page))
    finally:
        peers.close()
        if alerts is not None:
            alerts.close(timeout=flush_wait)
        status = recorder.close(timeout=flush_wait)
        console_err(
            f"stopped: {mon.results} result(s) produced, {status.written} written, "
            f"{status.buffered} not written, {status.dropped} dropped"
        )
    raise typer.Exit(1 if status.buffered or status.dropped else 0)


@dataclass(frozen=True, slots=True)
class Web:
    """What `--web` asked for: where, the page's own store connection, and whether details are public."""

    listen: tuple[str, int]
    store: Store
    details: bool


async def _run(
    mon: Monitor, config: Path, listen: tuple[str, int] | None, limit: float | None, web: Web | None
) -> None:
    loop = asyncio.get_running_loop()
    stop, reload = asyncio.Event(), asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, reload.set)
    page = await _status_page(mon, web) if web else None
    servers = await _servers(mon, listen, web, page)
    watcher = asyncio.create_task(watch_config(mon, config, reload))
    timer = loop.call_later(limit, stop.set) if limit else None
    try:
        await _with_display(mon, stop)
    finally:
        watcher.cancel()
        if timer is not None:
            timer.cancel()
        for server in servers:
            await server.close()
        if page is not None:
            await page.close()


async def _status_page(mon: Monitor, web: Web) -> StatusPage:
    from infraprobe.monitor.statuspage import StatusPage

    token = os.environ.get(TOKEN_ENV) or None
    page = await StatusPage(mon, web.store, token=token, expose_details=web.details).start()
    mon.listeners.append(page)
    return page


async def _servers(
    mon: Monitor, listen: tuple[str, int] | None, web: Web | None, page: StatusPage | None
) -> list[HttpServer]:
    """The metrics server, the status page's, or one serving both when they were given the same address."""
    servers: list[HttpServer] = []
    shared = page is not None and web is not None and listen == web.listen
    if listen is not None:
        also = [page.handle] if shared and page is not None else []
        server: HttpServer = await MetricsServer(mon, *listen, also=also).start()
        console_err(f"metrics on http://{_url(listen[0], server.port)}/metrics and /probe?component=NAME")
        servers.append(server)
        if shared:
            console_err(f"status page on http://{_url(listen[0], server.port)}/")
    if page is not None and web is not None and not shared:
        server = await HttpServer([page.handle], *web.listen).start()
        console_err(f"status page on http://{_url(web.listen[0], server.port)}/")
        servers.append(server)
    return servers


def _url(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def _with_display(mon: Monitor, stop: asyncio.Event) -> None:
    redact = mon.loaded.redactor
    if sys.stdout.isatty():
        with LiveTable(lambda: mon.trackers) as table:
            mon.listeners.append(table)
            await mon.run(stop)
        return
    mon.listeners.append(LineOutput(lambda line: write_out(redact(line))))
    await mon.run(stop)


def _listen(value: str | None, option: str) -> tuple[str, int] | None:
    if value is None:
        return None
    try:
        return parse_listen(value)
    except ValueError as exc:
        raise UsageError(str(exc), field=option) from None


def parse_option_duration(value: str, option: str) -> float:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise UsageError(str(exc), field=option) from None
