"""The quorum over time, read back: every monitor's records folded into one timeline (pure)."""

from __future__ import annotations

from infraprobe.monitor.quorum import PathFinding
from infraprobe.monitor.state import State, Transition
from infraprobe.monitor.verdict_log import (
    REMOVED,
    EventKind,
    VantageEvent,
    VerdictChange,
    quorum_incidents,
    vantage_periods,
)

from .helpers import T0, minutes


def change(by: str, at: float, before: State, after: State, evidence: str = "ev") -> VerdictChange:
    cause = "connection_refused" if after is State.DOWN else None
    t = Transition("db", by, T0 + minutes(at), before, after, cause, "infrastructure", evidence)
    return VerdictChange(t, "majority", ("eu", "us") if after is State.DOWN else (), (), ("ap",))


def test_two_monitors_recording_one_outage_make_one_incident_dated_by_the_first() -> None:
    changes = [
        change("eu", 1, State.UP, State.DOWN),
        change("us", 1.1, State.UP, State.DOWN),
        change("us", 5, State.DOWN, State.UP),
        change("eu", 5.2, State.DOWN, State.UP),
    ]
    (incident,) = quorum_incidents(reversed(changes), T0)
    assert (incident.start, incident.end) == (T0 + minutes(1), T0 + minutes(5))
    assert incident.decided_by == ("eu", "us") and incident.down_from == ("eu", "us")
    assert incident.cause == "connection_refused" and incident.end_note == ""


def test_a_monitor_that_stopped_while_down_is_overruled_by_the_next_change_of_another() -> None:
    changes = [change("eu", 1, State.UP, State.DOWN), change("us", 9, State.DOWN, State.UP)]
    (incident,) = quorum_incidents(changes, T0)
    assert incident.end == T0 + minutes(9)
    assert quorum_incidents(changes[:1], T0)[0].end is None  # nobody said otherwise: still open


def test_a_removed_component_ends_its_incident_with_the_reason() -> None:
    changes = [change("eu", 1, State.UP, State.DOWN), change("eu", 2, State.DOWN, State.UNKNOWN, REMOVED)]
    (incident,) = quorum_incidents(changes, T0)
    assert (incident.end, incident.end_note) == (T0 + minutes(2), REMOVED)


def test_an_incident_over_before_the_window_is_left_out() -> None:
    changes = [change("eu", 1, State.UP, State.DOWN), change("eu", 2, State.DOWN, State.UP)]
    assert quorum_incidents(changes, T0 + minutes(3)) == []
    assert len(quorum_incidents(changes, T0 + minutes(2))) == 1


def event(kind: EventKind, by: str, at: float, components: tuple[str, ...] = ()) -> VantageEvent:
    finding = PathFinding("eu", components, {"network_unreachable": len(components)}, ("us",))
    return VantageEvent(kind, "eu", T0 + minutes(at), "msg", finding if components else None, by)


def test_a_path_failure_reported_by_both_monitors_is_one_period_naming_every_component_it_took() -> None:
    events = [
        event(EventKind.PATH_FAILURE, "eu", 1, ("a", "b")),
        event(EventKind.PATH_FAILURE, "us", 1.2, ("a", "b")),
        event(EventKind.PATH_CHANGED, "eu", 2, ("a", "b", "c")),
        event(EventKind.PATH_RECOVERED, "eu", 4),
        event(EventKind.PATH_RECOVERED, "us", 4.1),
        event(EventKind.SILENT, "us", 6),
    ]
    path, silent = vantage_periods(events, T0)
    assert (path.topic, path.start, path.end) == ("path_failure", T0 + minutes(1), T0 + minutes(4))
    assert path.components == ("a", "b", "c") and path.causes == {"network_unreachable": 3}
    assert path.seen_up_by == ("us",) and path.reported_by == ("eu", "us")
    assert (silent.topic, silent.start, silent.end) == ("silent", T0 + minutes(6), None)


def test_an_incident_ended_by_setting_its_vantage_aside_says_so() -> None:
    """Under `any`: down from eu alone, then eu's path is the finding and the verdict is up again."""
    down = change("eu", 1, State.UP, State.DOWN)
    down = VerdictChange(down.transition, "any", ("eu",), (), ("us",))
    up = change("eu", 1.1, State.DOWN, State.UP)
    up = VerdictChange(up.transition, "any", (), (), ("us",), ("eu",))
    (incident,) = quorum_incidents([down, up], T0)
    assert incident.end_note == "set aside: path failure of eu"
    plain = change("eu", 2, State.DOWN, State.UP)
    assert quorum_incidents([down, plain], T0)[0].end_note == ""


def seconds(n: float) -> float:
    return n / 60  # `event` takes minutes


def test_a_path_failure_formed_again_right_after_it_ended_is_the_same_period() -> None:
    """As the route comes back, t0 recovers first: both monitors end the finding, and t1 and t2, still down,
    form it again within a second (one monitor saw it end later than the other). One period, to the last
    end; a finding formed again after the grace is a period of its own."""
    events = [
        event(EventKind.PATH_FAILURE, "eu", 1, ("t0", "t1", "t2")),
        event(EventKind.PATH_FAILURE, "us", 1.1, ("t0", "t1", "t2")),
        event(EventKind.PATH_RECOVERED, "eu", 4),
        event(EventKind.PATH_FAILURE, "eu", 4 + seconds(0.4), ("t1", "t2")),
        event(EventKind.PATH_RECOVERED, "us", 4 + seconds(0.6)),
        event(EventKind.PATH_FAILURE, "us", 4 + seconds(0.9), ("t1", "t2")),
        event(EventKind.PATH_RECOVERED, "eu", 4 + seconds(1.5)),
        event(EventKind.PATH_RECOVERED, "us", 4 + seconds(1.6)),
        event(EventKind.PATH_FAILURE, "eu", 4 + seconds(1.5 + 6), ("t2",)),
        event(EventKind.SILENT, "us", 9),
        event(EventKind.REPORTING, "us", 9.5),
        event(EventKind.SILENT, "us", 9.5 + seconds(1)),  # silences are not merged
    ]
    first, again, *silences = vantage_periods(events, T0)
    assert (first.start, first.end) == (T0 + minutes(1), T0 + minutes(4 + seconds(1.5)))
    assert first.components == ("t0", "t1", "t2") and first.reported_by == ("eu", "us")
    assert (again.start, again.end, again.components) == (T0 + minutes(4 + seconds(7.5)), None, ("t2",))
    assert [(s.topic, s.end is None) for s in silences] == [("silent", False), ("silent", True)]
