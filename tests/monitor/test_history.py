"""History's windows: planned over the coarsest roll-ups that are exact, and equal to the raw counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from infraprobe.monitor.history import plan, summarize
from infraprobe.monitor.store import Retention, Store
from infraprobe.result import Status

from .helpers import obs

NOW = datetime(2026, 3, 10, 15, 42, 30, tzinfo=UTC)


def test_a_long_window_reads_hours_to_midnight_then_days() -> None:
    parts = plan(NOW - timedelta(days=30), NOW)
    assert parts == [
        (3600, NOW - timedelta(days=30), datetime(2026, 2, 9, tzinfo=UTC)),
        (86400, datetime(2026, 2, 9, tzinfo=UTC), NOW),
    ]


def test_a_short_window_starts_with_minutes_and_stays_exact() -> None:
    since = NOW - timedelta(hours=1)
    assert plan(since, NOW) == [
        (60, since, datetime(2026, 3, 10, 15, tzinfo=UTC)),
        (3600, datetime(2026, 3, 10, 15, tzinfo=UTC), NOW),
    ]


def test_beyond_every_retention_the_oldest_bucket_is_read_whole() -> None:
    keep = Retention(minute=timedelta(hours=1), hour=timedelta(days=1), day=timedelta(days=2))
    assert plan(NOW - timedelta(days=30), NOW, keep) == [(86400, NOW - timedelta(days=30), NOW)]


def test_every_window_counts_exactly_the_results_inside_it(store: Store) -> None:
    """Results over 40 days, compacted, raw rows expired: each window counts what lies inside it.

    Where minute roll-ups are gone (past 2 days) a window's first hour is read whole, so no result here sits
    in the same hour as the 7 d or 30 d edge: that hour is the documented imprecision, not tested as exact.
    """
    ages = [
        timedelta(minutes=m)
        for m in (1, 30, 59, 61, 300, 1439, 1441, 3000, 6000, 10079, 10140, 20000, 43199, 43260, 57600)
    ]
    store.write(
        [obs("a", Status.OK if i % 2 else Status.FAIL, at=NOW - age) for i, age in enumerate(ages)], []
    )
    store.compact(NOW, Retention(raw_ok=timedelta(hours=1), raw_failures=timedelta(hours=1)))
    history = summarize(store, NOW)
    totals = {s.window: s.total for s in history.stats}
    spans = {"1h": 60, "24h": 1440, "7d": 10080, "30d": 43200}
    assert totals == {w: sum(age <= timedelta(minutes=m) for age in ages) for w, m in spans.items()}


def test_one_vantage_or_all_of_them(store: Store) -> None:
    at = NOW - timedelta(minutes=5)
    store.write([obs("a", at=at, vantage="eu"), obs("a", Status.FAIL, at=at, vantage="us")], [])
    everyone = {s.window: (s.total, s.uptime) for s in summarize(store, NOW).stats}
    eu = {s.window: (s.total, s.uptime) for s in summarize(store, NOW, vantage="eu").stats}
    assert everyone["1h"] == (2, 0.5) and eu["1h"] == (1, 1.0)
