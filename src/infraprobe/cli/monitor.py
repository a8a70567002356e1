"""`infraprobe monitor CONFIG`: probe continuously, keep the history, serve metrics, show state changes.

`-q` keeps only what a pager would want: state changes (as lines, even on a terminal) and errors, such as the
store being unavailable or results lost at the end. `-v` adds a line on stderr per result, with its phases."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from infraprobe.alerts.manager import Alerts
from infraprobe.cli.common import (
    PATH,
    Notes,
    console_err,
    enum_choice,
    load,
    quiet_option,
    verbose_option,
    write_out,
)
from infraprobe.cli.progress import result_note
from infraprobe.config.types import parse_duration
from infraprobe.errors import UsageError
from infraprobe.monitor.engine import Monitor, default_vantage, require_something_to_probe, watch_config
from infraprobe.monitor.http import HttpServer, parse_listen
from infraprobe.monitor.live import LineOutput, LiveTable
from infraprobe.monitor.metrics import MetricsServer
from infraprobe.monitor.quorum import Policy
from infraprobe.monitor.recorder import DEFAULT_MAX_BUFFERED, Recorder
from infraprobe.monitor.schedule import DEFAULT_MAX_INFLIGHT
from infraprobe.monitor.state import Observation, Tracker, Transition
from infraprobe.monitor.store import Retention, Store, StoreUnavailable, open_store
from infraprobe.monitor.vantages import Quorum

if TYPE_CHECKING:
    from infraprobe.monitor.statuspage import StatusPage

TOKEN_ENV = "INFRAPROBE_WEB_TOKEN"  # an environment variable, not an option: options show in `ps`

store_option = click.option(
    "--store",
    metavar="URL",
    help="history store: sqlite:///PATH or postgresql://... (default: CONFIG's name + .history.db beside it)",
)


def default_store(config: Path) -> str:
    return f"sqlite:///{config.with_name(config.stem + '.history.db')}"


@click.command("monitor")
@click.argument("config", type=PATH, metavar="CONFIG", help="environment config (YAML)")
@store_option
@click.option("--vantage", metavar="NAME", help="this monitor's name in the history (default: host name)")
@click.option(
    "--metrics", metavar="HOST:PORT", help="serve Prometheus metrics on HOST:PORT, e.g. 127.0.0.1:9115"
)
@click.option(
    "--web", metavar="HOST:PORT", help="serve the live status page on HOST:PORT, e.g. 127.0.0.1:8080"
)
@click.option(
    "--web-details",
    is_flag=True,
    help=f"show details (targets, evidence, guidance) to every visitor of --web; otherwise only to "
    f"those presenting ${TOKEN_ENV}",
)
@click.option(
    # `--max-in-flight`, as `check` spells it; the old spelling still works
    "--max-in-flight",
    "--max-inflight",
    "max_inflight",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_INFLIGHT,
    metavar="N",
    help="checks running at once, at most",
)
@click.option(
    "--max-buffered",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BUFFERED,
    metavar="N",
    help="results kept in memory while the store is down",
)
@click.option(
    "--keep-raw",
    default="2d",
    metavar="DURATION",
    help="keep raw successful results this long (failures: 30 days)",
)
@click.option(
    "--flush-timeout",
    default="30s",
    metavar="DURATION",
    help="on stop, wait this long for an unavailable store",
)
@click.option(
    "--for", "run_for", metavar="DURATION", help="stop after this long (e.g. 10m); default: until stopped"
)
@click.option(
    "--quorum",
    type=enum_choice(Policy),
    help="how many of the vantages sharing the store must see a component down "
    "(default: the config's vantages.quorum, else majority)",
)
@quiet_option("print only state changes and errors (lines, even on a terminal)")
@verbose_option("also say on stderr what was read, and each result with its phases")
def command(
    config: Path,
    store: str | None,
    vantage: str | None,
    metrics: str | None,
    web: str | None,
    web_details: bool,
    max_inflight: int,
    max_buffered: int,
    keep_raw: str,
    flush_timeout: str,
    run_for: str | None,
    quorum: Policy | None,
    quiet: bool,
    verbose: bool,
) -> int:
    """Probe every component on its interval; keep the history; say when a state changes and why."""
    voice = Voice(quiet, Notes(verbose))
    loaded = load(config)
    require_something_to_probe(loaded, config)
    voice.notes(f"config {config}: {len(loaded.config.components)} components")
    listen, web_listen = _listen(metrics, "--metrics"), _listen(web, "--web")
    retention = Retention(raw_ok=timedelta(seconds=parse_option_duration(keep_raw, "--keep-raw")))
    limit = parse_option_duration(run_for, "--for") if run_for else None
    flush_wait = parse_option_duration(flush_timeout, "--flush-timeout")
    store_url = store or default_store(config)
    history = open_store(store_url)

    def say(message: str) -> None:
        console_err(f"monitor: {loaded.redactor(message)}")

    def tell(message: str) -> None:  # what -q leaves out
        voice.info(f"monitor: {loaded.redactor(message)}")

    recorder = Recorder(history, max_buffered=max_buffered, retention=retention, notice=say)
    name = vantage or default_vantage()
    # The other vantages' views are read on a connection of their own: the recorder's is its thread's.
    peers = open_store(store_url)
    verdicts = Quorum(name, quorum, peers=peers)
    mon = Monitor(loaded, recorder=recorder, vantage=name, max_inflight=max_inflight, quorum=verdicts)
    alerts = Alerts.for_config(loaded, store_url, notice=say)  # its own connection: its own thread
    voice.info(
        f"monitoring {len(mon.components)} component(s) as vantage {mon.vantage!r} (quorum: {verdicts.policy}); "
        f"history in {history.url}"
        + (f"; alerts to {len(alerts.dispatcher.senders)} provider(s)" if alerts else "")
    )
    page = Web(web_listen, open_store(store_url), web_details) if web_listen else None
    _end_removed(mon, history, say, tell)
    recorder.start()
    if alerts is not None:
        alerts.add_suppressor(verdicts.path_reason)
        mon.listeners.append(alerts)
        alerts.start()
    try:
        asyncio.run(_run(mon, config, (listen, page), limit, voice))
    finally:
        peers.close()
        if alerts is not None:
            alerts.close(timeout=flush_wait)
        status = recorder.close(timeout=flush_wait)
        lost = status.buffered + status.dropped
        (console_err if lost else voice.info)(
            f"stopped: {mon.results} result(s) produced, {status.written} written, "
            f"{status.buffered} not written, {status.dropped} dropped"
        )
    return 1 if lost else 0


@dataclass(frozen=True, slots=True)
class Voice:
    """What the monitor says besides state changes and errors: its banner (not under -q) and, under -v, notes
    on stderr (one per result among them)."""

    quiet: bool
    notes: Notes

    def info(self, message: str) -> None:
        if not self.quiet:
            console_err(message)


@dataclass(frozen=True, slots=True)
class ResultNotes:
    """-v: a line on stderr per result, as `check -v` writes one (masked like every other output)."""

    notes: Notes
    redact: Callable[[str], str]

    def observed(self, obs: Observation, tracker: Tracker, transition: Transition | None) -> None:
        self.notes(self.redact(result_note(obs.result)))

    def notice(self, message: str) -> None:
        """Notices are shown by the table or the lines already."""


def _end_removed(
    mon: Monitor, history: Store, say: Callable[[str], None], info: Callable[[str], None]
) -> None:
    """At start: end the records of components gone from the config; said unless -q (an error always is)."""
    try:
        gone = mon.end_removed(history)
    except StoreUnavailable as exc:
        say(f"components removed from the config not looked for in the history ({exc})")
        return
    if gone:
        info(f"removed from the config since the last run: {', '.join(gone)}; their history records end now")


@dataclass(frozen=True, slots=True)
class Web:
    """What `--web` asked for: where, the page's own store connection, and whether details are public."""

    listen: tuple[str, int]
    store: Store
    details: bool


async def _run(
    mon: Monitor,
    config: Path,
    serve: tuple[tuple[str, int] | None, Web | None],
    limit: float | None,
    voice: Voice,
) -> None:
    listen, web = serve
    loop = asyncio.get_running_loop()
    stop, reload = asyncio.Event(), asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, reload.set)
    page = await _status_page(mon, web) if web else None
    servers = await _servers(mon, listen, web, page, voice.info)
    watcher = asyncio.create_task(watch_config(mon, config, reload))
    timer = loop.call_later(limit, stop.set) if limit else None
    try:
        await _with_display(mon, stop, voice)
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
    mon: Monitor,
    listen: tuple[str, int] | None,
    web: Web | None,
    page: StatusPage | None,
    info: Callable[[str], None],
) -> list[HttpServer]:
    """The metrics server, the status page's, or one serving both when they were given the same address."""
    servers: list[HttpServer] = []
    shared = page is not None and web is not None and listen == web.listen
    if listen is not None:
        also = [page.handle] if shared and page is not None else []
        server: HttpServer = await MetricsServer(mon, *listen, also=also).start()
        info(f"metrics on http://{_url(listen[0], server.port)}/metrics and /probe?component=NAME")
        servers.append(server)
        if shared:
            info(f"status page on http://{_url(listen[0], server.port)}/")
    if page is not None and web is not None and not shared:
        server = await HttpServer([page.handle], *web.listen).start()
        info(f"status page on http://{_url(web.listen[0], server.port)}/")
        servers.append(server)
    return servers


def _url(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def _with_display(mon: Monitor, stop: asyncio.Event, voice: Voice) -> None:
    redact = mon.loaded.redactor
    if voice.notes.enabled:
        mon.listeners.append(ResultNotes(voice.notes, redact))
    if sys.stdout.isatty() and not voice.quiet:
        with LiveTable(lambda: mon.trackers) as table:
            mon.listeners.append(table)
            await mon.run(stop)
        return
    mon.listeners.append(LineOutput(lambda line: write_out(redact(line)), quiet=voice.quiet))
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
