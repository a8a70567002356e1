"""Roll-ups: per-bucket sums that merge by adding, so minutes, hours and days come from the same rows.

Latency goes into a log histogram of 10 buckets per decade from 0.1 ms (bucket 0) to 100 s and beyond:
percentiles read from it are within one bucket (about 26%) of the exact value, whatever the window, and a
year of history stays a few rows per component per day.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from infraprobe.monitor.store.base import ResultRow, Rollup

RESOLUTIONS = (60, 3600, 86400)
_FLOOR = 1e-4  # seconds: bucket 0 holds everything faster than 0.1 ms
_PER_DECADE = 10
_TOP = 6 * _PER_DECADE  # 100 s and beyond share the last bucket


def bucket_of(seconds: float) -> int:
    if seconds <= _FLOOR:
        return 0
    return min(_TOP, int(math.log10(seconds / _FLOOR) * _PER_DECADE) + 1)


def upper_bound(index: int) -> float:
    """The slowest latency bucket `index` holds."""
    return float(_FLOOR * 10 ** (index / _PER_DECADE))


def percentile(histogram: Mapping[int, int], q: float) -> float | None:
    """The q-th quantile (0..1), as the upper bound of the bucket it falls in (never flattering)."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for index in sorted(histogram):
        seen += histogram[index]
        if seen >= rank:
            return upper_bound(index)
    return upper_bound(max(histogram))


def floor_to(at: datetime, resolution: int) -> datetime:
    epoch = int(at.timestamp())
    return datetime.fromtimestamp(epoch - epoch % resolution, UTC)


@dataclass(slots=True)
class Counts:
    """Counts and latency sums of some results: what a status bar needs, and the base of every roll-up."""

    total: int = 0
    ok: int = 0
    warn: int = 0
    fail: int = 0
    blocked: int = 0
    duration_sum: float = 0.0
    duration_max: float = 0.0

    def add(self, status: str, duration: float, blocked: bool) -> None:
        self.total += 1
        self.ok += status == "ok"
        self.warn += status == "warn"
        self.fail += status == "fail"
        self.blocked += blocked
        self.duration_sum += duration
        self.duration_max = max(self.duration_max, duration)

    def add_counts(self, more: Counts | Rollup) -> None:
        self.total += more.total
        self.ok += more.ok
        self.warn += more.warn
        self.fail += more.fail
        self.blocked += more.blocked
        self.duration_sum += more.duration_sum
        self.duration_max = max(self.duration_max, more.duration_max)


@dataclass(slots=True)
class Sums(Counts):
    """A mutable roll-up under construction. Plain dicts, not Counters: compaction builds one per component
    and resolution every minute (30,000 at 10,000 components), and a Counter costs several times a dict."""

    histogram: dict[int, int] = field(default_factory=dict)
    causes: dict[str, int] = field(default_factory=dict)

    def add_result(self, row: ResultRow) -> None:
        self.add_raw(row.status, row.duration, row.cause, row.blocked_by is not None)

    def add_raw(self, status: str, duration: float, cause: str | None, blocked: bool) -> None:
        self.add(status, duration, blocked)
        index = bucket_of(duration)
        self.histogram[index] = self.histogram.get(index, 0) + 1
        if cause:
            self.causes[cause] = self.causes.get(cause, 0) + 1

    def add_rollup(self, r: Rollup) -> None:
        self.add_counts(r)
        _add(self.histogram, r.histogram)
        _add(self.causes, r.causes)

    def freeze(self, vantage: str, component: str, resolution: int, bucket: datetime) -> Rollup:
        return Rollup(
            vantage,
            component,
            resolution,
            bucket,
            self.total,
            self.ok,
            self.warn,
            self.fail,
            self.blocked,
            self.duration_sum,
            self.duration_max,
            dict(self.histogram),
            dict(self.causes),
        )


_K = TypeVar("_K")


def _add(into: dict[_K, int], more: Mapping[_K, int]) -> None:
    for key, n in more.items():
        into[key] = into.get(key, 0) + n


Key = tuple[str, str, int, datetime]  # vantage, component, resolution, bucket
# What compaction reads of a raw result: vantage, component, at (epoch seconds), status, duration, cause,
# blocked_by. Tuples straight from the cursor: no ResultRow, no datetime, no JSON per row.
RawRow = tuple[str, str, float, str, float, str | None, str | None]


def roll(rows: Iterable[ResultRow], resolutions: Sequence[int] = RESOLUTIONS) -> dict[Key, Sums]:
    """Sum raw rows into buckets of every resolution at once."""
    return roll_raw(
        (
            (r.vantage, r.component, r.at.timestamp(), r.status, r.duration, r.cause, r.blocked_by)
            for r in rows
        ),
        resolutions,
    )


def roll_raw(rows: Iterable[RawRow], resolutions: Sequence[int] = RESOLUTIONS) -> dict[Key, Sums]:
    out: dict[Key, Sums] = {}
    starts: dict[int, datetime] = {}  # bucket start (epoch) -> datetime: a few per batch, not one per row
    for vantage, component, at, status, duration, cause, blocked_by in rows:
        epoch = int(at)
        for resolution in resolutions:
            start = epoch - epoch % resolution
            bucket = starts.get(start)
            if bucket is None:
                bucket = starts[start] = datetime.fromtimestamp(start, UTC)
            key = (vantage, component, resolution, bucket)
            sums = out.get(key)
            if sums is None:
                sums = out[key] = Sums()
            sums.add_raw(status, float(duration), cause, blocked_by is not None)
    return out


def merge(existing: Iterable[Rollup], fresh: dict[Key, Sums]) -> list[Rollup]:
    """Fresh sums with what the store already holds for the same keys added in (into `fresh` itself)."""
    for r in existing:
        sums = fresh.get((r.vantage, r.component, r.resolution, r.bucket))
        if sums is not None:
            sums.add_rollup(r)
    return [sums.freeze(*key) for key, sums in fresh.items()]
