"""The state machine: thresholds, flap control, and what every transition carries."""

from __future__ import annotations

from infraprobe.configfile import parse_config
from infraprobe.monitor.blocking import Blocking
from infraprobe.monitor.state import State, Thresholds, Tracker
from infraprobe.result import CheckResult, Status
from infraprobe.taxonomy import Cause

from .helpers import T0, minutes, obs, result

OK, WARN, FAIL = Status.OK, Status.WARN, Status.FAIL


def feed(tracker: Tracker, *statuses: Status) -> list[tuple[State, State]]:
    out = []
    for i, status in enumerate(statuses):
        t = tracker.observe(obs(status=status, at=T0 + minutes(i)))
        if t is not None:
            out.append((t.before, t.after))
    return out


def test_first_state_needs_its_threshold_too() -> None:
    tracker = Tracker("cache", Thresholds(failure=3, success=2))
    assert feed(tracker, OK) == []
    assert tracker.state is State.UNKNOWN
    assert feed(tracker, OK) == [(State.UNKNOWN, State.UP)]


def test_down_only_after_failure_threshold_in_a_row() -> None:
    tracker = Tracker("cache", Thresholds(failure=3, success=2))
    feed(tracker, OK, OK)
    assert feed(tracker, FAIL, FAIL) == []
    assert tracker.state is State.UP
    assert feed(tracker, FAIL) == [(State.UP, State.DOWN)]


def test_flapping_below_threshold_changes_nothing() -> None:
    tracker = Tracker("cache", Thresholds(failure=3, success=2))
    feed(tracker, OK, OK)
    assert feed(tracker, FAIL, FAIL, OK, FAIL, FAIL, OK, FAIL, OK, FAIL, FAIL, OK) == []
    assert tracker.state is State.UP


def test_one_success_declares_no_recovery() -> None:
    tracker = Tracker("cache", Thresholds(failure=1, success=3))
    feed(tracker, FAIL)
    assert tracker.state is State.DOWN
    assert feed(tracker, OK, OK, FAIL, OK, OK) == []
    assert feed(tracker, OK) == [(State.DOWN, State.UP)]


def test_warn_and_fail_both_count_towards_leaving_up_and_the_latest_decides() -> None:
    tracker = Tracker("cache", Thresholds(failure=3, success=1))
    feed(tracker, OK)
    assert feed(tracker, WARN, FAIL, WARN) == [(State.UP, State.DEGRADED)]
    assert feed(tracker, FAIL, FAIL, FAIL) == [(State.DEGRADED, State.DOWN)]


def test_transition_carries_cause_layer_evidence_blocked_by_and_time() -> None:
    tracker = Tracker("cache", Thresholds(failure=2, success=1))
    tracker.observe(obs(status=OK))
    tracker.observe(obs(status=FAIL, at=T0 + minutes(1), cause=Cause.CONNECT_TIMEOUT))
    decisive = obs(
        status=FAIL, at=T0 + minutes(2), cause=Cause.DNS_FAILURE, evidence="Name or service not known"
    )
    decisive = type(decisive)(decisive.result, "eu-1", blocked_by="dns")
    t = tracker.observe(decisive)
    assert t is not None
    assert (t.cause, t.layer, t.evidence) == ("dns_failure", "infrastructure", "Name or service not known")
    assert (t.vantage, t.blocked_by, t.streak, t.at) == ("eu-1", "dns", 2, T0 + minutes(2))
    assert tracker.since == T0 + minutes(2)
    recovered = tracker.observe(obs(status=OK, at=T0 + minutes(3)))
    assert recovered is not None and recovered.cause is None and recovered.blocked_by is None


def test_blocked_by_follows_each_result_of_the_root() -> None:
    """The failing set is kept from each result: a root's recovery frees its dependent at once."""
    loaded = parse_config(
        "components:\n"
        "  - {name: cache, kind: tcp, host: 127.0.0.1, port: 9}\n"
        "  - {name: backend, kind: tcp, host: 127.0.0.1, port: 9, depends_on: [cache]}\n"
    )
    blocking, latest = Blocking(loaded), dict[str, CheckResult]()
    for name, status in (("cache", FAIL), ("backend", FAIL)):
        latest[name] = result(name, status)
        answer = blocking.blocked_by(name, latest)
    assert answer == "cache"
    latest["cache"] = result("cache", OK)
    assert blocking.blocked_by("cache", latest) is None
    assert blocking.blocked_by("backend", latest) is None  # its own failure now, not the cache's
