"""History's windows: planned over the coarsest roll-ups that are exact, and equal to the raw counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from infraprobe.monitor.history import plan, summarize
from infraprobe.monitor.quorum import Policy, Rules
from infraprobe.monitor.state import Observation, State
from infraprobe.monitor.store import Retention, Store
from infraprobe.output.formats import render
from infraprobe.output.views.history import history_report
from infraprobe.result import Status
from infraprobe.taxonomy import Cause

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


def _seen(name: str, vantage: str, state: State, cause: Cause | None = None) -> Observation:
    status = Status.FAIL if state is State.DOWN else Status.OK
    o = obs(name, status, at=NOW - timedelta(seconds=5), vantage=vantage, cause=cause)
    return Observation(o.result, vantage, None, state, NOW - timedelta(minutes=1))


def test_results_per_vantage_and_the_quorum_verdict_now(store: Store) -> None:
    """eu cannot reach a and b (network_unreachable) while us and ap can: the verdict is up, eu's path is the
    finding, and the table and JSON name every vantage with what it sees."""
    unreachable = Cause.NETWORK_UNREACHABLE
    store.write(
        [_seen(n, "eu", State.DOWN, unreachable) for n in "ab"]
        + [_seen(n, v, State.UP) for n in "ab" for v in ("us", "ap")]
        + [_seen("c", v, State.DOWN, Cause.CONNECTION_REFUSED) for v in ("eu", "us")]
        + [_seen("c", "ap", State.UP)],
        [],
    )
    history = summarize(store, NOW, rules=Rules(Policy.MAJORITY))
    assert history.quorum is not None
    verdicts = history.quorum.decision.verdicts
    assert {n: v.state for n, v in verdicts.items()} == {"a": State.UP, "b": State.UP, "c": State.DOWN}
    assert verdicts["c"].down == ("eu", "us") and verdicts["a"].set_aside == ("eu",)
    assert {(s.component, s.vantage, s.total) for s in history.by_vantage if s.window == "1h"} == {
        (n, v, 1) for n in "abc" for v in ("eu", "us", "ap")
    }
    data = history.to_dict()
    assert [f["vantage"] for f in data["quorum"]["findings"]] == ["eu"]
    assert {v["vantage"] for v in data["quorum"]["per_vantage"]["a"]} == {"eu", "us", "ap"}
    assert {s["vantage"] for s in data["by_vantage"]} == {"eu", "us", "ap"}
    text = render(history_report(history, "test"), "table", colour=False, width=200)
    assert (
        "Quorum (majority) across ap, eu, us" in text
        and "vantage_path_failure (infrastructure): eu sees" in text
    )
    assert "Per vantage" in text and "down now: c;" in text and "\nNow\n" not in text  # the quorum is "now"
    cases = {c.name: c.status for c in history_report(history).cases}
    assert cases == {"a": "ok", "b": "ok", "c": "fail"}


def test_a_single_vantage_history_has_no_quorum_section(store: Store) -> None:
    store.write([_seen("a", "here", State.UP)], [])
    history = summarize(store, NOW)
    text = render(history_report(history), "table", colour=False, width=200)
    assert history.quorum is not None and history.quorum.vantages == ("here",)
    assert "Quorum" not in text and "Per vantage" not in text
