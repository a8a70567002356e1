"""The history store's one small interface, and the rows it returns.

Every backend passes the same contract suite (tests/monitor/test_store_contract.py). A store is used from one
thread at a time (the monitor's writer thread, or a `history` command); methods raise `StoreUnavailable`
when the database cannot be reached, and the next call reconnects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from infraprobe.errors import InfraprobeError
from infraprobe.monitor.state import Observation, Transition, View
from infraprobe.monitor.store.ledger import Delivery, Incident, Outgoing
from infraprobe.monitor.verdict_log import VantageEvent, VerdictChange


class StoreUnavailable(InfraprobeError):
    """The store cannot be reached now (database down, disk full); the caller keeps its rows and retries."""


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One stored result: what history needs of a `CheckResult`, flat."""

    id: int
    vantage: str
    component: str
    kind: str
    at: datetime
    status: str
    duration: float
    cause: str | None
    layer: str | None
    blocked_by: str | None
    message: str
    phases: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rollup:
    """Results of one component from one vantage in one bucket, summed; buckets of any size merge by adding."""

    vantage: str
    component: str
    resolution: int  # bucket size in seconds: 60, 3600 or 86400
    bucket: datetime  # start of the bucket
    total: int
    ok: int
    warn: int
    fail: int
    blocked: int
    duration_sum: float
    duration_max: float
    histogram: Mapping[int, int]  # latency bucket index -> count (see `rollup.bucket_of`)
    causes: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Series:
    """One component's results in consecutive buckets, summed over every vantage, oldest first: the counts a
    status bar and a latency sparkline need. By column, one item per bucket (total 0: no result in it), not an
    object per bucket: a page of 1,000 components reads 31,000 buckets at once."""

    total: Sequence[int]
    ok: Sequence[int]
    warn: Sequence[int]
    fail: Sequence[int]
    blocked: Sequence[int]
    duration_sum: Sequence[float]
    duration_max: Sequence[float]

    def means(self) -> list[float | None]:
        """Mean latency per bucket (seconds); None where there was no result."""
        return [s / t if t else None for s, t in zip(self.duration_sum, self.total, strict=True)]


@dataclass(frozen=True, slots=True)
class Window:
    """`count` buckets of `resolution` seconds, from the one holding `first`."""

    resolution: int
    first: datetime
    count: int


@dataclass(frozen=True, slots=True)
class Retention:
    """How long each kind of row is kept. Failures and transitions outlive successes."""

    raw_ok: timedelta = timedelta(days=2)
    raw_failures: timedelta = timedelta(days=30)
    transitions: timedelta = timedelta(
        days=400
    )  # also each vantage's view of a component it stopped checking
    minute: timedelta = timedelta(days=2)
    hour: timedelta = timedelta(days=90)
    day: timedelta = timedelta(days=5 * 366)
    # The status page's packed totals (strips.py): a week of days, whatever the weekday, and a margin.
    strips: timedelta = timedelta(days=8)

    def of_resolution(self, resolution: int) -> timedelta:
        return {60: self.minute, 3600: self.hour, 86400: self.day}[resolution]


@dataclass(frozen=True, slots=True)
class Compaction:
    """What one `compact` did, for logs and tests."""

    rolled_up: int = 0
    deleted: Mapping[str, int] = field(default_factory=dict)


class Store(Protocol):
    """Where the monitor keeps its history. Times are timezone-aware UTC datetimes."""

    url: str  # with any password masked: safe to print

    def schema_version(self) -> int: ...

    def write(
        self,
        observations: Sequence[Observation],
        transitions: Sequence[Transition],
        verdicts: Sequence[VerdictChange] = (),
        events: Sequence[VantageEvent] = (),
    ) -> None:
        """Keep these rows, all or none (one transaction)."""

    def results(
        self, since: datetime, until: datetime | None = None, components: Sequence[str] = ()
    ) -> list[ResultRow]:
        """Raw results still kept, oldest first."""

    def transitions(
        self, since: datetime, until: datetime | None = None, components: Sequence[str] = ()
    ) -> list[Transition]:
        """State changes, oldest first; `since` also returns the last change before it (the state then)."""

    def rollups(
        self, resolution: int, since: datetime, until: datetime | None = None, components: Sequence[str] = ()
    ) -> list[Rollup]:
        """Rolled-up buckets overlapping [since, until), plus the results not rolled up yet as extra rows."""

    def series(self, windows: Sequence[Window], components: Sequence[str] = ()) -> list[dict[str, Series]]:
        """Per window, per component: its buckets' totals summed over vantages, results not rolled up yet
        included. For the status page: read from strips (resolutions 3600 and 86400), so only windows within
        `Retention.strips` of the last compaction are complete."""

    def verdict_transitions(
        self, since: datetime, until: datetime | None = None, components: Sequence[str] = ()
    ) -> list[VerdictChange]:
        """Every monitor's verdict changes, oldest first; `since` also returns each component's last change
        before it (by any monitor: the verdict then)."""

    def vantage_events(self, since: datetime, until: datetime | None = None) -> list[VantageEvent]:
        """Every monitor's vantage events, oldest first; `since` also returns, per vantage and topic (path
        failure, silence), the last event before it (whether one was open then)."""

    def views(self, since: datetime | None = None) -> list[View]:
        """Each vantage's newest view of each component (those with a result at or after `since`)."""

    def compact(self, now: datetime, retention: Retention) -> Compaction:
        """Roll up results not rolled up yet, then delete what retention no longer keeps."""

    # The alert ledger (see ledger.py): incidents paged and not recovered, and the outbox of deliveries.

    def save_alert(
        self,
        component: str,
        incident: Incident | None,
        outgoing: Sequence[Outgoing],
        now: datetime,
        remind_due: datetime | None = None,
    ) -> bool:
        """One change to the component's incident and its new deliveries, in one transaction; False when
        another monitor sharing the store made that change first (then nothing is queued)."""

    def open_incidents(self) -> list[Incident]: ...

    def claim_due(
        self, now: datetime, limit: int = 100, lease: float = 60.0, busy: Sequence[str] = ()
    ) -> list[Delivery]:
        """The oldest due delivery per provider not `busy`, each claimed for `lease` seconds (see ledger.py)."""

    def delivery_attempted(
        self, delivery_id: int, now: datetime, error: str = "", retry_at: datetime | None = None
    ) -> None:
        """Record one attempt: sent (no error), retried at `retry_at`, or failed for good (neither)."""

    def deliveries(self, since: datetime, components: Sequence[str] = ()) -> list[Delivery]:
        """Every delivery created since then, with its status, attempts and last error; oldest first."""

    def close(self) -> None: ...


def as_dict(row: Any) -> dict[str, Any]:
    """A stored row (dataclass) as plain JSON-ready data."""
    out = {}
    for name in row.__dataclass_fields__:
        value = getattr(row, name)
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    return out
