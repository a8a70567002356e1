"""The network-path heuristic: blame a path when everything behind it fails with network causes."""

from __future__ import annotations

from infraprobe.analysis.model import Analysis, Confidence, RootCause
from infraprobe.result import CheckResult
from infraprobe.taxonomy import Cause

from .helpers import components, result, run

TIMEOUT = Cause.CONNECT_TIMEOUT


def _path_root(text: str, *results: CheckResult) -> tuple[RootCause | None, Analysis]:
    analysis = run(text, *results)
    return next((r for r in analysis.root_causes if r.origin == "path"), None), analysis


def test_all_behind_fail_and_a_control_works_is_high_confidence() -> None:
    """db and cache behind the connector time out while a postgres reached directly works: high."""
    text = components("vpc:path", "db::vpc", "cache::vpc", "other-db")
    root, analysis = _path_root(
        text, result("db", cause=TIMEOUT), result("cache", cause=Cause.DNS_FAILURE), result("other-db")
    )
    assert root is not None
    assert (root.component, root.confidence, root.blocked) == ("vpc", Confidence.HIGH, ("db", "cache"))
    assert "other-db of the same kind, reached another way, succeeded" in root.reason
    assert [r.component for r in analysis.root_causes] == ["vpc"]


def test_two_failing_without_control_is_medium_confidence() -> None:
    """Two targets behind the path time out and nothing comparable was checked: medium."""
    text = components("vpc:path", "db::vpc", "cache::vpc")
    root, _ = _path_root(text, result("db", cause=TIMEOUT), result("cache", cause=TIMEOUT))
    assert root is not None
    assert root.confidence is Confidence.MEDIUM
    assert "the targets themselves may be down" in root.reason


def test_one_failing_with_a_control_is_medium_confidence() -> None:
    """A single target behind the path fails while one reached another way works: medium."""
    text = components("vpc:path", "db::vpc", "other")
    root, _ = _path_root(text, result("db", cause=TIMEOUT), result("other"))
    assert root is not None
    assert root.confidence is Confidence.MEDIUM


def test_one_failing_and_no_control_blames_the_target() -> None:
    """One failing target and nothing to compare: the target is the root, not the path."""
    text = components("vpc:path", "db::vpc")
    root, analysis = _path_root(text, result("db", cause=TIMEOUT))
    assert root is None
    assert [r.component for r in analysis.root_causes] == ["db"]


def test_a_working_target_behind_the_path_clears_it() -> None:
    """Something behind the path still works, so the path carries traffic: not suspected."""
    text = components("vpc:path", "db::vpc", "cache::vpc", "queue::vpc")
    root, _ = _path_root(text, result("db", cause=TIMEOUT), result("cache", cause=TIMEOUT), result("queue"))
    assert root is None


def test_non_network_causes_clear_the_path() -> None:
    """Refused connections come from the target host, so they do not implicate the path."""
    text = components("vpc:path", "db::vpc", "cache::vpc")
    root, _ = _path_root(text, result("db", cause=Cause.CONNECTION_REFUSED), result("cache", cause=TIMEOUT))
    assert root is None


def test_dependents_of_failing_targets_are_blocked_under_the_path() -> None:
    """api needs db behind the path: api is blocked under the path root too."""
    text = components("vpc:path", "db::vpc", "cache::vpc", "api::db")
    root, _ = _path_root(
        text,
        result("db", cause=TIMEOUT),
        result("cache", cause=TIMEOUT),
        result("api", cause=Cause.READ_TIMEOUT),
    )
    assert root is not None
    assert set(root.blocked) == {"db", "cache", "api"}


def test_suspected_path_that_fails_the_arithmetic_is_one_root() -> None:
    """A path suspected live and over capacity on paper is one root, high confidence, both reasons."""
    text = components("vpc:path", "db::vpc", "cache::vpc") + (
        "topology:\n"
        "  services: [{name: api, max_instances: 3, pools: [{server: db, size: 20, via: vpc}]}]\n"
        "  databases: [{name: db, max_connections: 500}]\n"
        "  paths: [{name: vpc, max_connections: 50}]\n"
    )
    analysis = run(text, result("db", cause=TIMEOUT), result("cache", cause=TIMEOUT))
    (root,) = analysis.root_causes
    assert (root.component, root.cause, root.confidence) == ("vpc", "path_over_capacity", Confidence.HIGH)
    assert set(root.blocked) == {"db", "cache"}
    assert [w.source for w in root.whys][-2:] == ["inference", "finding"]
    assert "failed with network causes" in root.reason
