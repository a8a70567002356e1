"""Quorum verdicts and path findings, pure: views from literals, no store, no network."""

from __future__ import annotations

from datetime import timedelta

import pytest

from infraprobe.monitor.quorum import Policy, Rules, decide, fresh_window
from infraprobe.monitor.state import State, View

from .helpers import T0

NOW = T0 + timedelta(seconds=30)
_STATUS = {State.UP: "ok", State.DEGRADED: "warn", State.DOWN: "fail", State.UNKNOWN: "ok"}


def view(vantage: str, component: str, state: State, cause: str | None = None, age: float = 1.0) -> View:
    if state is State.DOWN and cause is None:
        cause = "connection_refused"
    at = NOW - timedelta(seconds=age)
    return View(
        vantage, component, state, T0, at, _STATUS[state], cause, "infrastructure" if cause else None, "ev"
    )


RULES = Rules(Policy.MAJORITY, dict.fromkeys(("a", "b", "c"), fresh_window(5, 1)))


@pytest.mark.parametrize(
    ("policy", "down_of_three", "expected"),
    [
        (Policy.ANY, 1, State.DOWN),
        (Policy.ANY, 0, State.UP),
        (Policy.MAJORITY, 1, State.UP),
        (Policy.MAJORITY, 2, State.DOWN),
        (Policy.ALL, 2, State.UP),
        (Policy.ALL, 3, State.DOWN),
    ],
)
def test_policy_decides_how_many_vantages_make_a_component_down(
    policy: Policy, down_of_three: int, expected: State
) -> None:
    views = [view(v, "a", State.DOWN if i < down_of_three else State.UP) for i, v in enumerate("xyz")]
    got = decide(views, Rules(policy, RULES.windows), NOW).verdicts["a"]
    assert got.state is expected
    assert got.down == tuple("xyz"[:down_of_three]) and len(got.voters) == 3


def test_the_verdict_names_who_sees_it_down_with_their_cause() -> None:
    views = [view("x", "a", State.DOWN, "dns_failure"), view("y", "a", State.DOWN), view("z", "a", State.UP)]
    got = decide(views, RULES, NOW).verdicts["a"]
    assert (got.state, got.down, got.up, got.cause) == (State.DOWN, ("x", "y"), ("z",), "dns_failure")
    assert got.summary() == "down from x, y (2 of 3, majority)"
    assert got.to_dict()["down"] == ["x", "y"]


def test_degraded_counts_down_and_degraded_together() -> None:
    views = [view("x", "a", State.DOWN), view("y", "a", State.DEGRADED), view("z", "a", State.UP)]
    assert decide(views, RULES, NOW).verdicts["a"].state is State.DEGRADED


def test_a_vantage_that_stopped_reporting_is_silent_and_has_no_vote() -> None:
    """x reported last a minute ago (window ~11.5 s): it is silent; the verdict uses y and z."""
    views = [view("x", "a", State.DOWN, age=60), view("y", "a", State.UP), view("z", "a", State.UP)]
    got = decide(views, Rules(Policy.ALL, RULES.windows), NOW)
    assert got.silent == {"x"} and got.reporting == {"y", "z"}
    assert got.verdicts["a"].state is State.UP and got.verdicts["a"].voters == ("y", "z")


def test_no_vote_is_unknown_and_an_undecided_vantage_is_listed_apart() -> None:
    got = decide([view("x", "a", State.UNKNOWN)], RULES, NOW, components=["a", "b"])
    assert got.verdicts["a"].state is State.UNKNOWN and got.verdicts["a"].undecided == ("x",)
    assert got.verdicts["b"].state is State.UNKNOWN and got.verdicts["b"].voters == ()


def test_one_vantage_seeing_many_targets_fail_on_the_network_is_its_path() -> None:
    """x sees a and b unreachable and c timing out while y sees them up: x's path is the finding, and even
    under `any` no component verdict goes down because of it."""
    views = [
        view("x", "a", State.DOWN, "network_unreachable"),
        view("x", "b", State.DOWN, "network_unreachable"),
        view("x", "c", State.DOWN, "connect_timeout"),
        *(view("y", name, State.UP) for name in "abc"),
    ]
    got = decide(views, Rules(Policy.ANY, RULES.windows), NOW)
    assert list(got.findings) == ["x"]
    finding = got.findings["x"]
    assert finding.components == ("a", "b", "c") and finding.seen_up_by == ("y",)
    assert finding.causes == {"network_unreachable": 2, "connect_timeout": 1}
    assert finding.to_dict()["cause"] == "vantage_path_failure" and finding.layer == "infrastructure"
    assert "x sees 3 component(s) down" in finding.evidence()
    for name in "abc":
        assert got.verdicts[name].state is State.UP and got.verdicts[name].set_aside == ("x",)


@pytest.mark.parametrize(
    ("x_views", "why"),
    [
        ([("a", "network_unreachable")], "one target is not many"),
        ([("a", "connection_refused"), ("b", "connection_refused")], "refused is the target's answer"),
    ],
)
def test_no_path_finding_without_many_network_failures(x_views: list[tuple[str, str]], why: str) -> None:
    views = [view("x", name, State.DOWN, cause) for name, cause in x_views]
    views += [view("y", name, State.UP) for name in "ab"]
    assert decide(views, RULES, NOW).findings == {}, why


def test_no_path_finding_when_no_other_vantage_sees_the_targets_up() -> None:
    """Every vantage sees the targets unreachable: the targets (or their network) are down, not a path."""
    views = [view(v, name, State.DOWN, "network_unreachable") for v in "xy" for name in "ab"]
    got = decide(views, RULES, NOW)
    assert got.findings == {} and got.verdicts["a"].state is State.DOWN


def test_a_silent_vantages_up_does_not_make_a_path_finding() -> None:
    views = [view("x", name, State.DOWN, "connect_timeout") for name in "ab"]
    views += [view("y", name, State.UP, age=600) for name in "ab"]
    got = decide(views, RULES, NOW)
    assert got.findings == {} and got.verdicts["a"].state is State.DOWN
