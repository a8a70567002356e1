"""One contract, every backend: SQLite and PostgreSQL run exactly these tests (see `store_url` in conftest)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from infraprobe.monitor.quorum import PathFinding
from infraprobe.monitor.state import Observation, State, Transition, View
from infraprobe.monitor.store import Retention, Rollup, Store, Window, open_store
from infraprobe.monitor.store.migrations import LATEST, MIGRATIONS
from infraprobe.monitor.store.rollup import floor_to, percentile
from infraprobe.monitor.store.sql import _BATCH, _STRIPS_SINCE
from infraprobe.monitor.verdict_log import EventKind, VantageEvent, VerdictChange
from infraprobe.result import Status
from infraprobe.taxonomy import Cause

from .helpers import T0, minutes, obs, result

pytestmark = pytest.mark.needs_pg


def transition(
    name: str, after: State, at_min: float, before: State = State.UP, cause: str | None = "dns_failure"
) -> Transition:
    return Transition(
        name, "here", T0 + minutes(at_min), before, after, cause, "infrastructure", "ev", None, 3
    )


def test_created_on_first_use_at_the_latest_schema(store: Store) -> None:
    assert store.schema_version() == LATEST


def test_results_round_trip_in_time_order_and_filter_by_component(store: Store) -> None:
    rows = [obs("b", Status.FAIL, at=T0 + minutes(2), cause=Cause.DNS_FAILURE), obs("a", at=T0 + minutes(1))]
    rows.append(Observation(result("c", Status.FAIL, at=T0 + minutes(3)), "there", blocked_by="b"))
    store.write(rows, [])
    got = store.results(T0)
    assert [r.component for r in got] == ["a", "b", "c"]
    b = got[1]
    assert (b.status, b.cause, b.layer, b.vantage, b.at) == (
        "fail",
        "dns_failure",
        "infrastructure",
        "here",
        T0 + minutes(2),
    )
    assert b.phases == {"connect": 0.01}
    assert got[2].blocked_by == "b" and got[2].vantage == "there"
    assert [r.component for r in store.results(T0, T0 + minutes(2.5), ["a", "b", "c"])] == ["a", "b"]
    assert [r.component for r in store.results(T0, components=["c"])] == ["c"]


def test_transitions_in_window_include_the_state_at_its_start(store: Store) -> None:
    store.write([], [transition("cache", State.DOWN, 1), transition("cache", State.UP, 5, State.DOWN, None)])
    store.write([], [transition("db", State.DOWN, 2), transition("cache", State.DOWN, 30)])
    got = store.transitions(T0 + minutes(10))
    # The last change before the window (cache up at 5, db down at 2) tells the state when it starts.
    assert [(t.component, t.after, t.at) for t in got] == [
        ("db", State.DOWN, T0 + minutes(2)),
        ("cache", State.UP, T0 + minutes(5)),
        ("cache", State.DOWN, T0 + minutes(30)),
    ]
    assert got[0].cause == "dns_failure" and got[0].streak == 3 and got[1].before is State.DOWN


def test_write_is_all_or_nothing(store: Store) -> None:
    store.write([obs("a")], [])
    bad = transition("a", State.DOWN, 1)
    bad = Transition(
        bad.component, bad.vantage, bad.at, bad.before, bad.after, bad.cause, bad.layer, None, None, 1
    )  # type: ignore[arg-type]
    with pytest.raises(Exception):  # noqa: B017 - each driver raises its own integrity error
        store.write([obs("b")], [bad])
    assert [r.component for r in store.results(T0)] == ["a"]


def _viewed(name: str, status: Status, at: float, vantage: str, state: State) -> Observation:
    o = obs(
        name,
        status,
        at=T0 + minutes(at),
        vantage=vantage,
        cause=Cause.CONNECT_TIMEOUT if status is Status.FAIL else None,
    )
    return Observation(o.result, vantage, state=state, since=T0)


def test_views_keep_each_vantages_newest_word_on_each_component(store: Store) -> None:
    """One row per vantage and component: the newest result's state wins, a row flushed late never does."""
    store.write(
        [_viewed("a", Status.OK, 1, "here", State.UP), _viewed("a", Status.FAIL, 2, "here", State.DOWN)], []
    )
    store.write(
        [_viewed("a", Status.OK, 3, "there", State.UP), _viewed("b", Status.OK, 1, "here", State.UP)], []
    )
    store.write([_viewed("a", Status.OK, 0.5, "here", State.UP)], [])  # late: older than what is kept
    got = {(v.vantage, v.component): v for v in store.views()}
    assert sorted(got) == [("here", "a"), ("here", "b"), ("there", "a")]
    a_here = got[("here", "a")]
    assert (a_here.state, a_here.status, a_here.cause, a_here.at, a_here.since) == (
        State.DOWN,
        "fail",
        "connect_timeout",
        T0 + minutes(2),
        T0,
    )
    assert a_here.evidence and a_here.layer == "infrastructure"
    assert [(v.vantage, v.component) for v in store.views(since=T0 + minutes(2))] == [
        ("here", "a"),
        ("there", "a"),
    ]


def test_a_view_without_a_state_is_unknown(store: Store) -> None:
    store.write([obs("a")], [])
    assert [(v.state, v.since) for v in store.views()] == [(State.UNKNOWN, None)]
    assert isinstance(store.views()[0], View)


def test_rollups_equal_the_raw_results_before_and_after_compaction(store: Store) -> None:
    rows = [
        obs(
            "a",
            Status.OK if i % 3 else Status.FAIL,
            at=T0 + timedelta(seconds=20 * i),
            duration=0.001 * (i + 1),
        )
        for i in range(12)
    ]
    store.write(rows, [])
    before = store.rollups(60, T0)
    assert store.compact(T0 + minutes(5), Retention()).rolled_up == 12
    after = store.rollups(60, T0)
    key = lambda r: r.bucket  # noqa: E731
    assert sorted(before, key=key) == sorted(after, key=key)
    assert [(r.total, r.ok, r.fail) for r in sorted(after, key=key)] == [(3, 2, 1)] * 4
    assert sum(r.causes.get("connection_refused", 0) for r in after) == 4
    hour = store.rollups(3600, T0)
    assert [(h.total, h.duration_max) for h in hour] == [(12, pytest.approx(0.012))]
    p50 = percentile(hour[0].histogram, 0.5)
    assert p50 is not None and 0.006 <= p50 <= 0.006 * 1.26


def test_compaction_over_several_batches_counts_every_row_once(store: Store) -> None:
    """More rows than one roll-up transaction takes, each batch a slice of the components: the hour and day
    rows of every component add up across batches, and nothing changes for a reader."""
    names = [f"c{i}" for i in range(150)]
    rounds = _BATCH // len(names) + 4
    store.write(
        [
            obs(n, at=T0 + timedelta(seconds=30 * r + i * 0.1))
            for r in range(rounds)
            for i, n in enumerate(names)
        ],
        [],
    )
    before = {res: store.rollups(res, T0) for res in (60, 3600, 86400)}
    assert store.compact(T0 + minutes(60), Retention()).rolled_up == rounds * len(names)
    for res, rows in before.items():
        assert sorted(map(_sums, store.rollups(res, T0))) == sorted(map(_sums, rows))
    assert {(r.component, r.total) for r in store.rollups(86400, T0)} == {(n, rounds) for n in names}


def _sums(r: Rollup) -> tuple[object, ...]:
    """A roll-up's figures, its float sum rounded: batches add the same numbers in another order."""
    hist = sorted(r.histogram.items())
    return (r.component, r.bucket, r.total, r.ok, r.fail, round(r.duration_sum, 9), r.duration_max, hist)


def test_late_rows_are_rolled_up_and_never_counted_twice(store: Store) -> None:
    store.write([obs("a", at=T0 + minutes(1))], [])
    store.compact(T0 + minutes(10), Retention())
    # A row flushed late (after a store outage) for a minute that is already rolled up:
    store.write([obs("a", Status.FAIL, at=T0 + minutes(1))], [])
    assert [(r.total, r.fail) for r in store.rollups(60, T0)] == [(2, 1)]
    store.compact(T0 + minutes(11), Retention())
    store.compact(T0 + minutes(12), Retention())
    assert [(r.total, r.fail) for r in store.rollups(60, T0)] == [(2, 1)]
    assert [(r.total, r.fail) for r in store.rollups(86400, T0)] == [(2, 1)]


def test_retention_keeps_failures_and_transitions_longer_than_successes(store: Store) -> None:
    store.write([obs("a", at=T0), obs("a", Status.FAIL, at=T0)], [transition("a", State.DOWN, 0)])
    keep = Retention(raw_ok=timedelta(hours=1), raw_failures=timedelta(days=3), minute=timedelta(hours=1))
    done = store.compact(T0 + timedelta(days=1), keep)
    assert done.deleted["results_ok"] == 1 and done.deleted["results_failures"] == 0
    assert [r.status for r in store.results(T0)] == ["fail"]
    assert len(store.transitions(T0)) == 1
    assert store.rollups(60, T0) == []  # minute buckets expired...
    assert [r.total for r in store.rollups(3600, T0)] == [2]  # ...hours still count both results
    store.compact(T0 + timedelta(days=4), keep)
    assert store.results(T0) == [] and [r.total for r in store.rollups(3600, T0)] == [2]


def test_a_store_written_by_an_older_version_opens_in_a_newer_one(store_url: str) -> None:
    old = type(open_store(store_url))
    first = old(
        store_url.removeprefix("sqlite:///") if store_url.startswith("sqlite") else store_url,
        migrations=MIGRATIONS[:1],
    )  # type: ignore[call-arg]
    first.write([obs("a")], [])
    assert first.schema_version() == 1
    first.close()
    current = open_store(store_url)
    assert current.schema_version() == LATEST
    assert [r.component for r in current.results(T0)] == ["a"]
    assert [r.total for r in current.rollups(60, T0)] == [1]
    current.close()


def test_two_monitors_sharing_a_store_roll_up_each_row_once(store_url: str) -> None:
    """Two vantages write to one store and both compact, interleaved: every row counted once, per vantage."""
    here, there = open_store(store_url), open_store(store_url)
    try:
        for i in range(6):
            here.write([obs("a", at=T0 + minutes(i), vantage="here")], [])
            there.write([obs("a", Status.FAIL, at=T0 + minutes(i), vantage="there")], [])
            (here if i % 2 else there).compact(T0 + minutes(10), Retention())
        here.compact(T0 + minutes(10), Retention())
        there.compact(T0 + minutes(10), Retention())
        day = {r.vantage: (r.total, r.ok, r.fail) for r in here.rollups(86400, T0)}
        assert day == {"here": (6, 6, 0), "there": (6, 0, 6)}
    finally:
        here.close()
        there.close()


def _from_rollups(store: Store, resolution: int, first: datetime, count: int) -> dict[str, list[tuple]]:  # type: ignore[type-arg]
    """What `series` must say, from the roll-ups (the record): per component and bucket, vantages summed."""
    out: dict[str, list[tuple]] = {}  # type: ignore[type-arg]
    first = floor_to(first, resolution)
    for r in store.rollups(resolution, first, first + timedelta(seconds=resolution * count)):
        index = int((r.bucket - first).total_seconds()) // resolution
        slots = out.setdefault(r.component, [(0, 0, 0, 0, 0, 0.0, 0.0)] * count)
        t, ok, warn, fail, blocked, dsum, dmax = slots[index]
        slots[index] = (t + r.total, ok + r.ok, warn + r.warn, fail + r.fail, blocked + r.blocked,
                        round(dsum + r.duration_sum, 9), max(dmax, r.duration_max))  # fmt: skip
    return out


def _series(store: Store, resolution: int, first: datetime, count: int) -> dict[str, list[tuple]]:  # type: ignore[type-arg]
    (got,) = store.series([Window(resolution, first, count)])
    return {
        name: list(zip(s.total, s.ok, s.warn, s.fail, s.blocked, [round(d, 9) for d in s.duration_sum],
                       s.duration_max, strict=True))
        for name, s in got.items()
    }  # fmt: skip


def test_series_sum_vantages_and_include_rows_not_rolled_up_yet(store: Store) -> None:
    """What a status bar reads: per component and bucket, all vantages together, before and after compaction."""
    rows = [obs("a", at=T0 + minutes(i), duration=0.01 * (i + 1), vantage="here") for i in range(3)]
    rows += [obs("a", Status.FAIL, at=T0 + minutes(61), vantage="there")]
    rows += [Observation(result("b", Status.WARN, at=T0 + minutes(5)), "here", blocked_by="a")]
    rows += [obs("c", at=T0 + minutes(5))]
    store.write(rows, [])
    before = _series(store, 3600, T0 - minutes(30), 3)
    store.compact(T0 + minutes(90), Retention())
    after = _series(store, 3600, T0 - minutes(30), 3)
    assert before == after == _from_rollups(store, 3600, T0 - minutes(30), 3)
    assert [(t, ok, w, f, b) for t, ok, w, f, b, *_ in after["a"]] == [
        (0, 0, 0, 0, 0),
        (3, 3, 0, 0, 0),
        (1, 0, 0, 1, 0),
    ]
    assert after["b"][1][:5] == (1, 0, 1, 0, 1) and sorted(after) == ["a", "b", "c"]
    hour_of_a, day_of_a = store.series([Window(3600, T0, 1), Window(86400, T0, 1)], components=["a"])
    assert list(hour_of_a) == list(day_of_a) == ["a"] and list(day_of_a["a"].total) == [4]
    a = hour_of_a["a"]
    assert a.means() == [pytest.approx(0.02)] and list(a.duration_max) == [pytest.approx(0.03)]
    store.write([obs("a", at=T0 + minutes(62), vantage="here")], [])  # late: rolled-up hour plus a new row
    (day,) = store.series([Window(86400, T0, 1)])
    assert {name: (s.total[0], s.fail[0]) for name, s in day.items()} == {
        "a": (5, 1),
        "b": (1, 0),
        "c": (1, 0),
    }


def test_series_cross_days_and_weeks_as_the_roll_ups_do(store: Store) -> None:
    """Windows that span two strips (a UTC day for hours, a week for days), from two vantages compacting in
    turn, with a row flushed late into an hour already rolled up: equal to the roll-ups at every step."""
    here, there = "here", "there"
    for i in range(40):  # every 3 hours over 5 days, across midnight and the week's start (T0 is a Thursday)
        at = T0 - timedelta(days=3) + timedelta(hours=3 * i)
        store.write(
            [obs("a", Status.FAIL if i % 7 == 0 else Status.OK, at=at, vantage=(here, there)[i % 2])], []
        )
        if i % 5 == 0:
            store.compact(at, Retention())
    hours_from, days_from = T0 - timedelta(hours=20), T0 - timedelta(days=4)
    for step in ("raw tail", "compacted", "late row"):
        assert _series(store, 3600, hours_from, 24) == _from_rollups(store, 3600, hours_from, 24), step
        assert _series(store, 86400, days_from, 7) == _from_rollups(store, 86400, days_from, 7), step
        if step == "raw tail":
            store.compact(T0 + timedelta(days=2), Retention())
        elif step == "compacted":
            store.write([obs("a", Status.FAIL, at=T0 - timedelta(hours=14), vantage=there)], [])
            store.compact(T0 + timedelta(days=2), Retention())
    assert sum(store.series([Window(86400, days_from, 7)])[0]["a"].total) == 41


def test_a_read_of_strips_and_raw_rows_sees_one_state_of_the_store(store_url: str) -> None:
    """A compaction committed between the two statements of a read must not move a row out of its sight."""
    reader, writer = open_store(store_url), open_store(store_url)
    try:
        writer.write([obs("a", at=T0 + minutes(1))], [])
        with reader._tx(packed=True, snapshot=True) as cur:  # type: ignore[attr-defined]
            stripped = reader._strips(cur, 3600, T0.timestamp(), 1, ())  # type: ignore[attr-defined]
            writer.compact(T0 + minutes(5), Retention())  # rolls the row into strips, meanwhile
            raw = reader._not_rolled(cur, T0, ())  # type: ignore[attr-defined]
        assert stripped == {} and len(raw) == 1  # counted once, as not rolled up yet
        assert list(reader.series([Window(3600, T0, 1)])[0]["a"].total) == [1]
    finally:
        reader.close()
        writer.close()


def test_series_are_kept_for_the_strips_retention(store: Store) -> None:
    keep = Retention(strips=timedelta(days=1))
    store.write([obs("a", at=T0)], [])
    store.compact(T0 + minutes(5), keep)
    store.write([obs("a", at=T0 + timedelta(days=9)), obs("a", at=T0 + minutes(1))], [])  # one late, too late
    done = store.compact(T0 + timedelta(days=9, hours=1), keep)
    assert done.deleted["strips_3600"] == 1 and done.deleted["strips_86400"] == 1
    assert store.series([Window(3600, T0, 1), Window(86400, T0, 1)]) == [{}, {}]
    assert list(store.series([Window(3600, T0 + timedelta(days=9), 1)])[0]["a"].total) == [1]
    assert [r.total for r in store.rollups(3600, T0, T0 + minutes(60))] == [2]  # the record keeps all


def test_a_store_written_before_strips_gets_them_from_its_roll_ups(store_url: str) -> None:
    """Opened by this version, a store of the version before strips shows the same totals."""
    old = type(open_store(store_url))
    path = store_url.removeprefix("sqlite:///") if store_url.startswith("sqlite") else store_url
    first = old(path, migrations=[m for m in MIGRATIONS if m[0] < _STRIPS_SINCE])  # type: ignore[call-arg]
    first.write(
        [obs("a", at=T0 + minutes(i), vantage=("here", "there")[i % 2]) for i in range(0, 300, 7)], []
    )
    first.write([obs("b", Status.FAIL, at=T0 - timedelta(hours=11))], [])  # the day before
    first.compact(T0 + minutes(100), Retention())
    first.write([obs("a", Status.FAIL, at=T0 + minutes(301))], [])  # not rolled up when the version changes
    assert first.schema_version() == _STRIPS_SINCE - 1
    first.close()
    current = open_store(store_url)
    assert current.schema_version() == LATEST
    for resolution, first_at, count in (
        (3600, T0 - timedelta(hours=12), 24),
        (86400, T0 - timedelta(days=6), 7),
    ):
        expected = _from_rollups(current, resolution, first_at, count)
        assert _series(current, resolution, first_at, count) == expected and sorted(expected) == ["a", "b"]
        current.compact(T0 + minutes(400), Retention())
        assert _series(current, resolution, first_at, count) == expected
    current.close()


def _verdict(by: str, name: str, at: float, after: State, before: State = State.UP) -> VerdictChange:
    t = Transition(name, by, T0 + minutes(at), before, after, "dns_failure", "infrastructure", "NXDOMAIN")
    return VerdictChange(t, "majority", ("eu",), (), ("us",), ("ap",))


def test_verdict_changes_and_vantage_events_round_trip_with_the_state_before_the_window(store: Store) -> None:
    finding = PathFinding("ap", ("a", "b"), {"network_unreachable": 2}, ("eu", "us"))
    store.write(
        [],
        [],
        [
            _verdict("eu", "a", 1, State.DOWN),
            _verdict("us", "a", 2, State.DOWN),
            _verdict("eu", "b", 3, State.DOWN),
        ],
        [VantageEvent(EventKind.PATH_FAILURE, "ap", T0 + minutes(1), "ap's path", finding, "eu")],
    )
    store.write([], [], [_verdict("eu", "a", 20, State.UP, State.DOWN)], [])
    got = store.verdict_transitions(T0 + minutes(10))
    # In the window: a's recovery; before it, the last change of each component (a's by us at 2, b's at 3).
    assert [(v.component, v.transition.vantage, v.transition.after) for v in got] == [
        ("a", "us", State.DOWN),
        ("b", "eu", State.DOWN),
        ("a", "eu", State.UP),
    ]
    first = got[0]
    assert (first.policy, first.down, first.up, first.set_aside) == ("majority", ("eu",), ("us",), ("ap",))
    assert first.transition.evidence == "NXDOMAIN" and first.transition.cause == "dns_failure"
    assert [v.component for v in store.verdict_transitions(T0, components=["b"])] == ["b"]
    (path,) = store.vantage_events(T0 + minutes(5))  # opened before the window: returned as the state then
    assert (path.kind, path.vantage, path.reported_by, path.finding) == (
        EventKind.PATH_FAILURE, "ap", "eu", finding,
    )  # fmt: skip
    assert store.vantage_events(T0, T0 + minutes(1)) == []


def test_the_quorums_records_expire_with_the_transitions(store: Store) -> None:
    store.write([], [], [_verdict("eu", "a", 0, State.DOWN)], [
        VantageEvent(EventKind.SILENT, "us", T0, "us silent", None, "eu")
    ])  # fmt: skip
    done = store.compact(T0 + timedelta(days=401), Retention())
    assert done.deleted["verdict_transitions"] == 1 and done.deleted["vantage_events"] == 1
    assert store.verdict_transitions(T0) == [] and store.vantage_events(T0) == []


def test_a_store_from_before_the_quorums_records_opens_and_records_them(store_url: str) -> None:
    """Written by the version before migration 7: it upgrades on open, and what it held reads back."""
    old = type(open_store(store_url))
    path = store_url.removeprefix("sqlite:///") if store_url.startswith("sqlite") else store_url
    first = old(path, migrations=MIGRATIONS[:6])  # type: ignore[call-arg]
    first.write(
        [_viewed("a", Status.OK, 1, "eu", State.UP)],
        [transition("a", State.DOWN, 1)],
        [_verdict("eu", "a", 1, State.DOWN)],
    )  # fmt: skip  (not kept: that version has no table for it)
    first.close()
    current = open_store(store_url)
    try:
        assert current.schema_version() == LATEST
        assert [v.component for v in current.views()] == ["a"] and len(current.transitions(T0)) == 1
        assert current.verdict_transitions(T0) == []
        current.write([], [], [_verdict("eu", "a", 2, State.UP, State.DOWN)], [])
        assert [v.transition.after for v in current.verdict_transitions(T0)] == [State.UP]
    finally:
        current.close()
