"""Root causes from the dependency graph: one entry per independent cause, dependents blocked under it."""

from __future__ import annotations

from infraprobe.analysis.model import Confidence
from infraprobe.result import CheckResult
from infraprobe.taxonomy import Cause

from .helpers import components, result, run

REFUSED = Cause.CONNECTION_REFUSED


def _roots(text: str, *results: CheckResult) -> dict[str, tuple[str, ...]]:
    analysis = run(text, *results)
    return {r.component: r.blocked for r in analysis.root_causes}


def test_chain_of_failures_has_one_root() -> None:
    """web -> api -> db all failing: db is the root, api and web are blocked by it."""
    text = components("web::api", "api::db", "db")
    roots = _roots(
        text, result("web", cause=REFUSED), result("api", cause=REFUSED), result("db", cause=REFUSED)
    )
    assert roots == {"db": ("api", "web")}


def test_diamond_lists_the_top_once() -> None:
    """web needs a and b, both need db: one root, three blocked, web only once."""
    text = components("web::a,b", "a::db", "b::db", "db")
    failed = [result(n, cause=REFUSED) for n in ("web", "a", "b", "db")]
    assert _roots(text, *failed) == {"db": ("a", "b", "web")}


def test_two_independent_failures_are_two_roots() -> None:
    """db and cache fail for their own reasons: two roots, each blocking its own dependent."""
    text = components("api::db", "worker::cache", "db", "cache")
    results = [
        result("api", cause=REFUSED),
        result("worker", cause=REFUSED),
        result("db", cause=REFUSED),
        result("cache", cause=Cause.DNS_FAILURE),
    ]
    assert _roots(text, *results) == {"db": ("api",), "cache": ("worker",)}


def test_diamond_with_two_failing_sides_blocks_the_top_under_both() -> None:
    """web needs a and b, each failing on its own: two roots, web blocked under each."""
    text = components("web::a,b", "a", "b")
    results = [result("web", cause=REFUSED), result("a", cause=REFUSED), result("b", cause=Cause.AUTH_FAILED)]
    assert _roots(text, *results) == {"a": ("web",), "b": ("web",)}


def test_a_passing_dependent_stops_the_blocking() -> None:
    """db fails, api still passes, web fails: web is not blocked by db through a working api."""
    text = components("web::api", "api::db", "db")
    roots = _roots(text, result("web", cause=REFUSED), result("api"), result("db", cause=REFUSED))
    assert roots == {"db": (), "web": ()}


def test_root_carries_cause_layer_and_confidence() -> None:
    """A check root has its diagnosis' cause and layer, high confidence and the taxonomy's guidance."""
    (root,) = run(components("db"), result("db", cause=Cause.AUTH_FAILED)).root_causes
    assert (root.cause, root.layer, root.origin, root.confidence) == (
        "auth_failed",
        "configuration",
        "check",
        Confidence.HIGH,
    )
    assert "pg_hba" in root.fix


def test_unknown_cause_is_low_confidence() -> None:
    """An error that matched no signature is a root, but the tool says it is unsure."""
    (root,) = run(components("db"), result("db", cause=Cause.UNKNOWN)).root_causes
    assert root.confidence is Confidence.LOW


def test_nothing_failing_means_no_roots_and_exit_zero() -> None:
    """All checks pass and no topology: no root causes, exit code 0."""
    analysis = run(components("api::db", "db"), result("api"), result("db"))
    assert analysis.root_causes == ()
    assert analysis.exit_code == 0
