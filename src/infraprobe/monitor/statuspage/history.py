"""What the status page reads from the store: hourly and daily bucket totals, and the week's incidents.

Pure over a `Store`, run in a worker thread by the page. Three queries, whatever the number of components:
24 hours of hourly totals (bars and the latency sparkline), 7 days of daily totals, 7 days of transitions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from infraprobe.monitor.history import Incident, incidents
from infraprobe.monitor.store.base import BucketTotal, Store
from infraprobe.monitor.store.rollup import floor_to

HOUR, DAY = 3600, 86400
HOURS, DAYS = 24, 7
INCIDENT_WINDOW = timedelta(days=DAYS)

Slots = tuple[BucketTotal | None, ...]  # one per bucket, oldest first; None: no result in it


@dataclass(frozen=True, slots=True)
class PageHistory:
    now: datetime
    hours: dict[str, Slots]  # the last 24 hours, the current one last
    days: dict[str, Slots]  # the last 7 days (UTC), today last
    incidents: tuple[Incident, ...]  # newest first

    @classmethod
    def empty(cls, now: datetime) -> PageHistory:
        return cls(now, {}, {}, ())


def load_history(
    store: Store, now: datetime, components: Sequence[str] = (), previous: PageHistory | None = None
) -> PageHistory:
    """The page's history at `now`. Given the `previous` one, only the current hour and day are read again
    (the buckets before them are complete): 1,000 rows per refresh instead of 31,000. A row flushed late into
    an older bucket (after a store outage) shows when the hour turns, when everything is read again."""
    hours = _slots(store, HOUR, HOURS, now, components, _kept(previous, now, HOUR))
    days = _slots(store, DAY, DAYS, now, components, _kept(previous, now, DAY))
    changes = store.transitions(now - INCIDENT_WINDOW, None, components)
    recent = incidents(changes, now - INCIDENT_WINDOW)
    return PageHistory(now, hours, days, tuple(reversed(recent)))


def _kept(previous: PageHistory | None, now: datetime, resolution: int) -> dict[str, Slots] | None:
    """The previous read's buckets of this resolution, if the current bucket is still the same one."""
    if previous is None or floor_to(previous.now, resolution) != floor_to(now, resolution):
        return None
    return previous.hours if resolution == HOUR else previous.days


def _slots(
    store: Store,
    resolution: int,
    count: int,
    now: datetime,
    components: Sequence[str],
    previous: dict[str, Slots] | None,
) -> dict[str, Slots]:
    current = floor_to(now, resolution)
    first = current - timedelta(seconds=resolution * (count - 1))
    out: dict[str, list[BucketTotal | None]] = {}
    if previous is not None:  # every bucket but the current one, as read before
        out = {name: [*slots[:-1], None] for name, slots in previous.items()}
        first = current
    offset = count - 1 - int((current - first).total_seconds()) // resolution
    for total in store.bucket_totals(resolution, first, None, components):
        index = offset + int((total.bucket - first).total_seconds()) // resolution
        if 0 <= index < count:  # a result stamped ahead of our clock (another vantage's) waits for its hour
            out.setdefault(total.component, [None] * count)[index] = total
    return {name: tuple(slots) for name, slots in out.items()}
