"""The monitor's quorum: own results live, other vantages' views as the store would return them."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

from infraprobe.clock import ManualClock
from infraprobe.configfile import parse_config
from infraprobe.configfile.vantages import PathFailure, VantagesSettings, vantages_settings
from infraprobe.monitor.quorum import Policy, Rules, decide, fresh_window
from infraprobe.monitor.state import Observation, State, Thresholds, Tracker, Transition, View
from infraprobe.monitor.vantages import Change, Quorum
from infraprobe.monitor.verdict_log import EventKind
from infraprobe.result import Status
from infraprobe.taxonomy import Cause

from .helpers import T0, result

CONFIG_TEXT = "components:\n" + "".join(
    f"  - {{name: {n}, kind: tcp, host: 127.0.0.1, port: 1, interval: 1s, timeout: 0.5s, "
    "failure_threshold: 2, success_threshold: 1}\n"
    for n in ("a", "b")
)
CONFIG = parse_config(CONFIG_TEXT)


class Here:
    """One vantage ("here") feeding a Quorum as the monitor does: tracker first, then the quorum."""

    def __init__(self, policy: Policy = Policy.MAJORITY) -> None:
        self.clock = ManualClock(wall=T0)
        self.quorum = Quorum("here", policy, clock=self.clock)
        self.quorum.configure(CONFIG.config.components)
        self.trackers = {n: Tracker(n, Thresholds(2, 1)) for n in ("a", "b")}
        self.told: list[Transition] = []
        self.events: list[tuple[EventKind, str]] = []

    def result(self, name: str, status: Status, cause: Cause | None = None) -> Transition | None:
        self.clock.advance(0.5)
        r = result(name, status, at=self.clock.now(), cause=cause)
        tracker = self.trackers[name]
        local = tracker.observe(Observation(r, "here"))
        self._tell(*self.quorum.local(Observation(r, "here", None, tracker.state, tracker.since), local))
        return local

    def peers(self, *views: View) -> None:
        self._tell(*self.quorum.refreshed(views))

    def _tell(self, changes: list[Change], events: list) -> None:  # type: ignore[type-arg]
        self.told += [c.transition for c in changes if c.transition]
        self.events += [(e.kind, e.vantage) for e in events]


def peer(here: Here, name: str, state: State, vantage: str = "there", cause: str | None = None) -> View:
    status = {State.UP: "ok", State.DOWN: "fail"}[state]
    return View(vantage, name, state, T0, here.clock.now(), status, cause, None, f"{vantage} says {state}")


def break_path(here: Here) -> None:
    """Both components up everywhere, then both unreachable from here: what a broken path looks like."""
    for name in ("a", "b"):
        here.result(name, Status.OK)
    here.peers(peer(here, "a", State.UP), peer(here, "b", State.UP))
    for _ in range(2):
        for name in ("a", "b"):
            here.result(name, Status.FAIL, Cause.NETWORK_UNREACHABLE)


def test_alone_the_verdict_changes_exactly_when_the_own_state_does() -> None:
    here = Here()
    local = [here.result("a", s) for s in (Status.OK, Status.FAIL, Status.FAIL, Status.OK)]
    assert [t.after for t in here.told] == [State.UP, State.DOWN, State.UP]
    assert here.told == [t for t in local if t]  # same time, cause, evidence and streak


def test_a_path_broken_from_here_is_a_finding_and_no_verdict_goes_down() -> None:
    here = Here()
    break_path(here)
    assert here.trackers["a"].state is State.DOWN and here.trackers["b"].state is State.DOWN
    assert [t.after for t in here.told] == [State.UP, State.UP]  # the first verdicts; never down
    assert here.events == [(EventKind.REPORTING, "there"), (EventKind.PATH_FAILURE, "here")]
    assert here.quorum.verdicts["a"].set_aside == ("here",) and here.quorum.verdicts["a"].state is State.UP
    assert (here.quorum.path_reason("a") or "").startswith("vantage_path_failure: here sees 2 component(s)")
    here.result("a", Status.OK)
    assert here.events[-1] == (EventKind.PATH_RECOVERED, "here")
    assert here.quorum.path_reason("a") is None


def test_other_vantages_seeing_it_down_decide_with_their_names() -> None:
    here = Here(Policy.ANY)
    here.result("a", Status.OK)
    here.peers(peer(here, "a", State.DOWN, cause="connection_refused"))
    down = here.told[-1]
    assert (down.after, down.cause, down.vantage) == (State.DOWN, "connection_refused", "here")
    assert "down from there (1 of 2, any)" in down.evidence


def test_a_vantage_that_stops_reporting_is_an_event_and_loses_its_vote() -> None:
    here = Here(Policy.ANY)
    here.result("a", Status.OK)
    here.peers(peer(here, "a", State.DOWN, cause="connection_refused"))
    assert here.told[-1].after is State.DOWN
    here.clock.advance(30)  # "there" last reported 30 s ago: far beyond a 1 s interval
    here.peers(here.quorum._peer_views[0])
    here.result("a", Status.OK)
    assert (EventKind.SILENT, "there") in here.events
    assert here.told[-1].after is State.UP and "there" in here.quorum.decision.silent
    here.peers(peer(here, "a", State.UP))
    assert here.events[-1] == (EventKind.REPORTING, "there")


def test_an_undecided_peer_does_not_move_the_verdict() -> None:
    here = Here(Policy.ALL)
    here.result("a", Status.FAIL)
    here.result("a", Status.FAIL)
    here.peers(
        View(
            "there", "a", State.UNKNOWN, None, here.clock.now() - timedelta(seconds=0.1), "ok", None, None, ""
        )
    )
    assert here.told[-1].after is State.DOWN and here.quorum.verdicts["a"].undecided == ("there",)


def test_the_other_vantages_are_read_every_quarter_interval_within_bounds() -> None:
    """Often enough that a view read is never near stale (fresh for 1.5 intervals), rarely enough to be cheap."""
    periods = []
    for interval in ("0.2s", "20s", "10m"):
        quorum = Quorum("here")
        rows = f"components:\n  - {{name: a, kind: tcp, host: 127.0.0.1, port: 1, interval: {interval}}}\n"
        quorum.configure(parse_config(rows).config.components)
        periods.append(quorum.refresh_every)
    assert periods == [1.0, 5.0, 15.0]


def test_a_component_changed_by_a_reload_starts_over_in_the_verdict_too() -> None:
    """As the monitor's own tracker does: its next result is a change from unknown, which listeners hear."""
    here = Here()
    here.result("a", Status.FAIL)
    here.result("a", Status.FAIL)
    assert here.quorum.trackers["a"].state is State.DOWN
    here.quorum.forget(["a"])
    here.quorum.configure(CONFIG.config.components)
    here.trackers["a"] = Tracker("a", Thresholds(2, 1))
    here.result("a", Status.FAIL)
    here.result("a", Status.FAIL)
    assert [(t.before, t.after) for t in here.told] == [(State.UNKNOWN, State.DOWN)] * 2


async def test_a_failed_read_of_the_others_is_said_once_and_reading_goes_on() -> None:
    class Flaky:
        """A store whose first two reads fail (an outage or a bug), then work: a fake for a pure unit."""

        calls = 0

        def views(self, since: object = None) -> list[View]:
            self.calls += 1
            if self.calls <= 2:
                raise RuntimeError("no such table\nLINE 1: ...")
            return [View("there", "a", State.UP, T0, datetime.now(UTC), "ok", None, None, "")]

    store = Flaky()
    quorum = Quorum("here", peers=store, refresh_every=0.01)  # type: ignore[arg-type]
    quorum.configure(CONFIG.config.components)
    notes: list[str] = []
    task = asyncio.create_task(quorum.read_peers(lambda _c, _e, note: notes.append(note) if note else None))
    for _ in range(500):
        if store.calls >= 4:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert notes == [
        "cannot read the other vantages' views (RuntimeError: no such table); using the last read",
        "the other vantages' views are readable again",
    ]
    assert quorum.decision.reporting == {"there"}


def test_under_any_a_contested_network_failure_is_held_until_a_path_finding_could_have_formed() -> None:
    """The first component failing from here with a network cause, seen up elsewhere, decides an `any`
    verdict alone: pages for it are held for `path_wait`; a second one makes it the path finding instead."""
    here = Here(Policy.ANY)
    for name in ("a", "b"):
        here.result(name, Status.OK)
    here.peers(peer(here, "a", State.UP), peer(here, "b", State.UP))
    for _ in range(2):
        here.result("a", Status.FAIL, Cause.CONNECT_TIMEOUT)
    assert here.quorum.verdicts["a"].state is State.DOWN
    held = here.quorum.path_reason("a") or ""
    assert held.startswith("held up to ") and "here see(s) it down (connect_timeout), there up" in held
    for _ in range(int(here.quorum.path_wait("a").total_seconds()) + 1):  # 1 s a round: results, a read
        here.result("a", Status.FAIL, Cause.CONNECT_TIMEOUT)
        here.result("b", Status.OK)
        here.peers(peer(here, "a", State.UP), peer(here, "b", State.UP))
    assert here.quorum.verdicts["a"].state is State.DOWN
    assert here.quorum.path_reason("a") is None  # no finding formed in time: the page may go
    for _ in range(2):
        here.result("b", Status.FAIL, Cause.NETWORK_UNREACHABLE)
    assert (here.quorum.path_reason("a") or "").startswith("vantage_path_failure: here sees 2")


def test_a_failure_of_the_target_itself_is_not_held() -> None:
    here = Here(Policy.ANY)
    here.result("a", Status.OK)
    here.peers(peer(here, "a", State.UP))
    for _ in range(2):
        here.result("a", Status.FAIL, Cause.CONNECTION_REFUSED)
    assert here.quorum.verdicts["a"].state is State.DOWN and here.quorum.path_reason("a") is None


def test_the_path_threshold_and_the_quorum_come_from_the_config_unless_given() -> None:
    text = CONFIG_TEXT + "vantages: {quorum: any, path_failure: {min_targets: 3}}\n"
    loaded = parse_config(text)
    from_config = Quorum("here")
    from_config.configure(loaded.config.components, vantages_settings(loaded))
    assert (from_config.policy, from_config._rules.min_path_targets) == (Policy.ANY, 3)
    given = Quorum("here", Policy.ALL, min_path_targets=5)
    given.configure(loaded.config.components, vantages_settings(loaded))
    assert (given.policy, given._rules.min_path_targets) == (Policy.ALL, 5)
    plain = Quorum("here")
    plain.configure(CONFIG.config.components, vantages_settings(CONFIG))
    assert (plain.policy, plain._rules.min_path_targets) == (Policy.MAJORITY, 2)


def test_a_path_threshold_of_three_makes_two_failing_components_no_finding() -> None:
    here = Here()
    here.quorum.configure(CONFIG.config.components, VantagesSettings(path_failure=PathFailure(min_targets=3)))
    break_path(here)
    assert here.quorum.decision.findings == {}


def test_one_own_change_redoes_what_the_whole_decision_would() -> None:
    """The monitor redoes only the changed component's part of the findings and the verdicts those move; after
    every own result it must hold exactly what deciding everything from the same views gives."""
    rng = random.Random(11)
    names = [f"c{i}" for i in range(12)]
    config = parse_config(
        "components:\n"
        + "".join(
            f"  - {{name: {n}, kind: tcp, host: 127.0.0.1, port: 1, interval: 60s, timeout: 1s, "
            "failure_threshold: 1, success_threshold: 1}\n"
            for n in names
        )
    )
    clock = ManualClock(wall=T0)
    for policy in Policy:
        quorum = Quorum("here", policy, clock=clock, min_path_targets=3)
        quorum.configure(config.config.components)
        trackers = {n: Tracker(n, Thresholds(1, 1)) for n in names}
        others = [("there", State.UP), ("elsewhere", State.UP), ("third", State.DOWN)]
        peers = [
            View(v, n, rng.choice([state, State.UP]), T0, clock.now(), "ok", None, None, "")
            for v, state in others
            for n in names
        ]
        quorum.refreshed(peers)
        own: dict[str, View] = {}
        formed = 0
        for _ in range(300):
            clock.advance(0.05)
            name = rng.choice(names)
            status, cause = rng.choice(
                [
                    (Status.OK, None),
                    (Status.FAIL, Cause.NETWORK_UNREACHABLE),
                    (Status.FAIL, Cause.CONNECTION_REFUSED),
                ]
            )
            r = result(name, status, at=clock.now(), cause=cause)
            local = trackers[name].observe(Observation(r, "here"))
            obs = Observation(r, "here", None, trackers[name].state, trackers[name].since)
            quorum.local(obs, local)
            own[name] = View.of(obs)
            windows = {c.name: fresh_window(c.interval, c.timeout) for c in config.config.components}
            whole = decide([*peers, *own.values()], Rules(policy, windows, 3), clock.now(), names)
            assert dict(quorum.decision.findings) == dict(whole.findings)
            assert {n: quorum.verdicts[n] for n in own} == {n: whole.verdicts[n] for n in own}
            formed += bool(whole.findings)
        assert 30 < formed < 270, "findings must form and end in the scenario, or it tests too little"
