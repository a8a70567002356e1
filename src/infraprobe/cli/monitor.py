"""`infraprobe monitor CONFIG`: probe continuously, keep the history, serve metrics, show state changes."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from infraprobe.alerts.manager import Alerts
from infraprobe.cli.common import console_err, load, write_out
from infraprobe.config.types import parse_duration
from infraprobe.errors import UsageError
from infraprobe.monitor.engine import Monitor, default_vantage, watch_config
from infraprobe.monitor.live import LineOutput, LiveTable
from infraprobe.monitor.metrics import MetricsServer, parse_listen
from infraprobe.monitor.quorum import Policy
from infraprobe.monitor.recorder import DEFAULT_MAX_BUFFERED, Recorder
from infraprobe.monitor.schedule import DEFAULT_MAX_INFLIGHT
from infraprobe.monitor.store import Retention, open_store
from infraprobe.monitor.vantages import Quorum

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
        Policy,
        typer.Option("--quorum", help="how many of the vantages sharing the store must see a component down"),
    ] = Policy.MAJORITY,
) -> None:
    """Probe every component on its interval; keep the history; say when a state changes and why."""
    loaded = load(config)
    listen = _listen(metrics)
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
        f"monitoring {len(mon.components)} component(s) as vantage {mon.vantage!r} (quorum: {quorum}); "
        f"history in {history.url}"
        + (f"; alerts to {len(alerts.dispatcher.senders)} provider(s)" if alerts else "")
    )
    recorder.start()
    if alerts is not None:
        alerts.add_suppressor(verdicts.path_reason)
        mon.listeners.append(alerts)
        alerts.start()
    try:
        asyncio.run(_run(mon, config, listen, limit))
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


async def _run(mon: Monitor, config: Path, listen: tuple[str, int] | None, limit: float | None) -> None:
    loop = asyncio.get_running_loop()
    stop, reload = asyncio.Event(), asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, reload.set)
    server = await MetricsServer(mon, *listen).start() if listen else None
    if server is not None:
        console_err(f"metrics on http://{listen[0]}:{server.port}/metrics and /probe?component=NAME")  # type: ignore[index]
    watcher = asyncio.create_task(watch_config(mon, config, reload))
    timer = loop.call_later(limit, stop.set) if limit else None
    try:
        await _with_display(mon, stop)
    finally:
        watcher.cancel()
        if timer is not None:
            timer.cancel()
        if server is not None:
            await server.close()


async def _with_display(mon: Monitor, stop: asyncio.Event) -> None:
    redact = mon.loaded.redactor
    if sys.stdout.isatty():
        with LiveTable(lambda: mon.trackers) as table:
            mon.listeners.append(table)
            await mon.run(stop)
        return
    mon.listeners.append(LineOutput(lambda line: write_out(redact(line))))
    await mon.run(stop)


def _listen(value: str | None) -> tuple[str, int] | None:
    if value is None:
        return None
    try:
        return parse_listen(value)
    except ValueError as exc:
        raise UsageError(str(exc), field="--metrics") from None


def parse_option_duration(value: str, option: str) -> float:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise UsageError(str(exc), field=option) from None
