"""Reading the monitor's history store for the report's timeline: the only I/O the timeline needs, kept out
of the pure view. Raw results are what a short incident has; the newest LIMIT of them are drawn."""

from __future__ import annotations

from datetime import UTC, datetime

from infraprobe.errors import ConfigError
from infraprobe.monitor.store import open_store
from infraprobe.monitor.store.base import StoreUnavailable
from infraprobe.output.views.handoff import Sample

LIMIT = 20_000
EPOCH = datetime.fromtimestamp(0, UTC)


def read_samples(url: str) -> tuple[Sample, ...]:
    """Every raw result the store at `url` still keeps (the newest LIMIT), oldest first."""
    try:
        store = open_store(url)
    except StoreUnavailable as exc:
        raise ConfigError(f"cannot open the history store: {exc}", field="--store") from None
    try:
        rows = store.results(EPOCH)[-LIMIT:]
    except StoreUnavailable as exc:
        raise ConfigError(f"cannot read the history store: {exc}", field="--store") from None
    finally:
        store.close()
    return tuple(Sample(r.component, r.at, r.status != "fail", r.duration, r.cause or "") for r in rows)
