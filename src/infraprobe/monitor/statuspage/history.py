"""What the status page reads from the store: hourly and daily totals, and the week's incidents.

Pure over a `Store`, run in a worker thread by the page. Three queries, whatever the number of components:
24 hours of hourly totals (bars and the latency sparkline) and 7 days of daily totals, both from the store's
packed strips (two rows per component each), and 7 days of transitions. Cheap enough (measured in
bench/bench_statuspage.py) to read whole at every refresh: a row flushed late into an older hour shows at
the next one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from infraprobe.monitor.history import Incident, incidents
from infraprobe.monitor.store.base import Series, Store, Window
from infraprobe.monitor.store.rollup import floor_to

HOUR, DAY = 3600, 86400
HOURS, DAYS = 24, 7
INCIDENT_WINDOW = timedelta(days=DAYS)


@dataclass(frozen=True, slots=True)
class PageHistory:
    now: datetime
    hours: dict[str, Series]  # the last 24 hours, the current one last
    days: dict[str, Series]  # the last 7 days (UTC), today last
    incidents: tuple[Incident, ...]  # newest first

    @classmethod
    def empty(cls, now: datetime) -> PageHistory:
        return cls(now, {}, {}, ())


def load_history(store: Store, now: datetime, components: Sequence[str] = ()) -> PageHistory:
    """The page's history at `now`, of `components` (all when empty).

    The store is asked for every component and the page keeps its own: a list of 1,000 names in each query
    cost PostgreSQL's driver more than the rows (measured: bench/bench_statuspage.py), and monitors sharing a
    store mostly watch the same components."""
    windows = (Window(HOUR, _first(now, HOUR, HOURS), HOURS), Window(DAY, _first(now, DAY, DAYS), DAYS))
    hours, days = (_kept(found, components) for found in store.series(windows))
    changes = [
        t for t in store.transitions(now - INCIDENT_WINDOW) if not components or t.component in components
    ]
    recent = incidents(changes, now - INCIDENT_WINDOW)
    return PageHistory(now, hours, days, tuple(reversed(recent)))


def _kept(found: dict[str, Series], components: Sequence[str]) -> dict[str, Series]:
    return {name: found[name] for name in components if name in found} if components else found


def _first(now: datetime, resolution: int, count: int) -> datetime:
    """The oldest of `count` buckets ending with the current one."""
    return floor_to(now, resolution) - timedelta(seconds=resolution * (count - 1))
