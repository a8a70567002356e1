"""The JSON schema of `analyze` and the library's public surface."""

from __future__ import annotations

import infraprobe.analysis as api
from infraprobe.output.views.analyze import analysis_report
from infraprobe.taxonomy import Cause

from .helpers import components, result, run

POOLS = (
    "topology:\n"
    "  services: [{name: api, max_instances: 10, pools: [{server: db, size: 10}]}]\n"
    "  databases: [{name: db, max_connections: 50}]\n"
)


def test_json_keys_are_stable() -> None:
    """root_causes[] and findings[] carry exactly the documented keys."""
    analysis = run(
        components("api::db", "db") + POOLS, result("api", cause=Cause.DB_CONNECTION_LIMIT), result("db")
    )
    data = analysis_report(analysis).data
    assert list(data) == ["environment", "ok", "probed", "observed", "root_causes", "findings", "results"]
    (root,) = data["root_causes"]
    assert list(root) == [
        "component",
        "cause",
        "layer",
        "origin",
        "confidence",
        "reason",
        "blocked",
        "whys",
        "fix",
    ]
    assert list(root["whys"][0]) == ["component", "statement", "source", "ref"]
    (finding,) = data["findings"]
    assert list(finding) == [
        "code",
        "severity",
        "components",
        "summary",
        "evidence",
        "fix",
        "observed",
        "values",
    ]


def test_report_exit_code_follows_the_analysis() -> None:
    """A root cause makes the report's exit code 1; a clean analysis gives 0 and says PASS."""
    failing = analysis_report(run(components("db"), result("db", cause=Cause.CONNECTION_REFUSED)))
    clean = analysis_report(run(components("db"), result("db")))
    assert (failing.exit_code, clean.exit_code) == (1, 0)
    assert clean.blocks[0].text.startswith("PASS")  # type: ignore[union-attr]


def test_public_surface_is_exactly_all() -> None:
    """Everything in __all__ exists, and the documented entry points are in it."""
    assert all(hasattr(api, name) for name in api.__all__)
    assert {"analyze", "Analysis", "RootCause", "Finding", "observations_from", "RULES"} <= set(api.__all__)


def test_cases_are_the_checks_but_never_a_network_path() -> None:
    """A network path is declared, not probed: it has no verdict for JUnit or Prometheus."""
    analysis = run(
        components("api::vpc", "vpc:path"), result("api", cause=Cause.CONNECT_TIMEOUT), result("vpc", "path")
    )
    cases = analysis_report(analysis).cases
    assert [(c.name, c.status, c.cause) for c in cases] == [("api", "fail", "connect_timeout")]
