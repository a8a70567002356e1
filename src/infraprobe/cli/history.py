"""`infraprobe history CONFIG`: what the monitor recorded — incidents, uptime, latency, causes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from infraprobe.cli.common import PATH, Reporting, enum_choice, load, reporting
from infraprobe.cli.completion import component_names
from infraprobe.cli.monitor import default_store, store_option
from infraprobe.config.types import parse_duration
from infraprobe.configfile.loader import LoadedConfig
from infraprobe.configfile.vantages import vantages_settings
from infraprobe.errors import ConfigError, UsageError
from infraprobe.monitor.history import WINDOWS, summarize
from infraprobe.monitor.quorum import Policy, Rules, fresh_window
from infraprobe.monitor.store import Store, StoreUnavailable, open_store
from infraprobe.output.views.alerts import deliveries_report
from infraprobe.output.views.history import history_report


@click.command("history")
@click.argument("config", type=PATH, metavar="CONFIG", help="environment config (YAML)")
@store_option
@click.option("--since", metavar="WHEN", help="one window from then: 90m, 3d, or an ISO time")
@click.option(
    "--component",
    multiple=True,
    metavar="NAME",
    help="only this component (repeatable)",
    shell_complete=component_names,
)
@click.option("--vantage", metavar="NAME", help="only what this monitor saw (default: every vantage)")
@click.option(
    "--quorum",
    type=enum_choice(Policy),
    help="how many vantages must see a component down (default: the config's vantages.quorum)",
)
@click.option(
    "--alerts",
    is_flag=True,
    help="list alert deliveries instead (sent, failed, retrying, pending; default window: 30d)",
)
@reporting()
def command(
    config: Path,
    store: str | None,
    since: str | None,
    component: tuple[str, ...],
    vantage: str | None,
    quorum: Policy | None,
    alerts: bool,
    out: Reporting,
) -> None:
    """Uptime and latency per window, incidents with cause and duration, and the cause breakdown."""
    notes = out.notes
    loaded = load(config)
    for name in component:
        if name not in loaded.config.names:
            raise UsageError(f"no component named {name!r} in {config}", field="--component")
    now = datetime.now(UTC)
    windows = [_window(since, now)] if since else list(WINDOWS)
    history_store = _open(store or default_store(config))
    try:
        if alerts:
            start = now - max(span for _, span in windows)
            rows = history_store.deliveries(start, component)
            report = deliveries_report(rows, start, now, loaded.config.environment, loaded.redactor)
        else:
            summary = summarize(
                history_store, now, windows=windows, components=component, vantage=vantage,
                rules=_rules(loaded, quorum),
            )  # fmt: skip
            report = history_report(summary, loaded.config.environment)
    except StoreUnavailable as exc:
        raise ConfigError(f"cannot read the history: {exc}", field="--store") from None
    finally:
        history_store.close()
    notes(f"history read: {len(windows)} windows, {len(component) or 'every'} component(s)")
    out.emit(report, mask=loaded.redactor)


def _open(url: str) -> Store:
    store = open_store(url)
    path = getattr(store, "path", None)  # SQLite: reading must not create an empty history
    if isinstance(path, Path) and not path.exists():
        raise ConfigError(
            f"no history at {path} (has `infraprobe monitor` run with this store?)", field="--store"
        )
    return store


def _rules(loaded: LoadedConfig, quorum: Policy | None) -> Rules:
    """Decide as the monitors do: the config's `vantages:` section, unless `--quorum` says otherwise."""
    settings = vantages_settings(loaded)
    windows = {c.name: fresh_window(c.interval, c.timeout) for c in loaded.config.components}
    if settings is None:
        return Rules(quorum or Policy.MAJORITY, windows)
    return Rules(quorum or Policy(settings.quorum), windows, settings.path_failure.min_targets)


def _window(since: str, now: datetime) -> tuple[str, timedelta]:
    try:
        return since, timedelta(seconds=parse_duration(since))
    except ValueError:
        pass
    try:
        start = datetime.fromisoformat(since)
    except ValueError:
        raise UsageError(
            f"expected a duration (90m, 3d) or an ISO time, got {since!r}", field="--since"
        ) from None
    start = start if start.tzinfo else start.replace(tzinfo=UTC)
    return f"since {start.isoformat()}", max(now - start, timedelta(seconds=1))
