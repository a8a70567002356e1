"""Critical findings as root causes, what they block, and the five-whys chain down to them."""

from __future__ import annotations

from infraprobe.analysis.model import Confidence
from infraprobe.taxonomy import Cause

from .helpers import components, result, run

POOLS = (
    "topology:\n"
    "  services: [{name: api, max_instances: 10, pools: [{server: db, size: 10}]}]\n"
    "  databases: [{name: db, max_connections: 50}]\n"
)


def test_critical_finding_is_a_root_even_when_nothing_fails() -> None:
    """The numbers cannot work: a root cause (medium confidence, declared values only) and exit code 1."""
    analysis = run(components("api::db", "db") + POOLS, result("api"), result("db"))
    (root,) = analysis.root_causes
    assert (root.component, root.cause, root.origin, root.layer) == (
        "db",
        "pool_over_capacity",
        "finding",
        "configuration",
    )
    assert root.blocked == ()
    assert root.confidence is Confidence.MEDIUM
    assert analysis.exit_code == 1


def test_failing_dependents_are_blocked_under_the_finding() -> None:
    """web -> api -> db with a pool finding on db: db's finding is the one root; api and web are blocked."""
    text = components("web:tcp:api", "api::db", "db") + POOLS
    results = [
        result("web", cause=Cause.UPSTREAM_UNAVAILABLE),
        result("api", cause=Cause.DB_CONNECTION_LIMIT),
        result("db"),
    ]
    (root,) = run(text, *results).root_causes
    assert root.blocked == ("api", "web")
    assert root.confidence is Confidence.HIGH  # api's failure is the cause the finding predicts


def test_finding_explains_a_matching_failure_without_a_declared_edge() -> None:
    """api uses db only through its pool (no depends_on): its db_connection_limit failure is explained."""
    analysis = run(
        components("api", "db") + POOLS, result("api", cause=Cause.DB_CONNECTION_LIMIT), result("db")
    )
    (root,) = analysis.root_causes
    assert root.blocked == ("api",)
    assert [w.source for w in root.whys] == ["check", "finding"]


def test_finding_does_not_swallow_an_unrelated_failure() -> None:
    """api fails with dns_failure: the pool finding does not explain that, so api is a root of its own."""
    analysis = run(components("api", "db") + POOLS, result("api", cause=Cause.DNS_FAILURE), result("db"))
    assert sorted((r.component, r.cause) for r in analysis.root_causes) == [
        ("api", "dns_failure"),
        ("db", "pool_over_capacity"),
    ]


def test_warnings_are_findings_but_not_roots() -> None:
    """A timeout inversion alone is reported but is no root cause, and the exit code stays 0."""
    text = components("api") + (
        "topology:\n"
        "  services: [{name: api, max_instances: 1, request_timeout: 60s}]\n"
        "  load_balancers: [{name: lb, backends: [api], interval: 10s, timeout: 5s, unhealthy_threshold: 3,"
        " backend_timeout: 30s}]\n"
    )
    analysis = run(text, result("api"))
    assert [f.code for f in analysis.findings] == ["timeout_inversion"]
    assert analysis.root_causes == ()
    assert analysis.exit_code == 0


def test_whys_run_from_the_user_facing_symptom_to_the_finding() -> None:
    """The chain starts at the failing HTTP endpoint and ends at the arithmetic, one backed link per step."""
    text = components("db-check::db", "web:http:api", "api::db", "db") + POOLS
    results = [
        result("web", "http", cause=Cause.UPSTREAM_UNAVAILABLE, message="HTTP 503"),
        result("api", cause=Cause.DB_CONNECTION_LIMIT, message="too many clients"),
        result("db-check", cause=Cause.DB_CONNECTION_LIMIT, message="too many clients"),
        result("db"),
    ]
    (root,) = run(text, *results).root_causes
    assert [(w.component, w.source) for w in root.whys] == [
        ("web", "check"),
        ("api", "check"),
        ("db", "finding"),
    ]
    assert root.whys[0].statement == "web fails: HTTP 503 (upstream_unavailable)"
    assert (
        root.whys[1].statement
        == "because api, which web depends on, fails: too many clients (db_connection_limit)"
    )
    assert root.whys[2].statement.startswith(
        "because pools may open 100 connections to db, which accepts 50: "
    )


def test_a_finding_on_a_passing_component_blocks_nothing() -> None:
    """db passes its check, so web failing on its own is not blocked by db's latent pool finding."""
    text = components("web::db", "db") + POOLS
    analysis = run(text, result("web", cause=Cause.CONNECTION_REFUSED), result("db"))
    roots = {r.component: r.blocked for r in analysis.root_causes}
    assert roots == {"db": (), "web": ()}
