"""timeout_inversion: an outer hop must wait at least as long as the hop inside it."""

from __future__ import annotations

from infraprobe.analysis.model import Severity
from infraprobe.analysis.rules.timeouts import timeout_inversion

from .helpers import context, pool, service, topology

LB = {"name": "lb", "backends": ["api"], "interval": "10s", "timeout": "5s", "unhealthy_threshold": 3}


def _lb_chain(lb_timeout: str, service_timeout: str, statement_timeout: str = "1s") -> list[tuple[str, ...]]:
    topo = topology(
        services=[service(request_timeout=service_timeout, pools=[pool()])],
        databases=[{"name": "db", "max_connections": 100, "statement_timeout": statement_timeout}],
        load_balancers=[{**LB, "backend_timeout": lb_timeout}],
    )
    return [f.components for f in timeout_inversion(context(topo))]


def test_equal_timeouts_are_fine() -> None:
    """Load balancer 30 s, service 30 s: the service gives up no later than its caller; no finding."""
    assert _lb_chain("30s", "30s") == []


def test_outer_shorter_than_inner_fires() -> None:
    """Load balancer 30 s in front of a 31 s service: inversion between lb and api."""
    assert _lb_chain("30s", "31s") == [("lb", "api")]


def test_implicit_chain_reaches_the_database() -> None:
    """lb -> api -> db is derived from the pool: a 60 s statement under a 30 s request fires."""
    assert _lb_chain("60s", "30s", statement_timeout="60s") == [("api", "db")]


def test_explicit_request_path_in_declared_order() -> None:
    """A client with 10 s calling through a 30 s load balancer is an inversion; order is as declared."""
    topo = topology(
        services=[service(request_timeout="20s")],
        load_balancers=[{**LB, "backend_timeout": "30s"}],
        clients=[{"name": "mobile", "timeout": "10s"}],
        request_paths=[{"name": "checkout", "hops": ["mobile", "lb", "api"]}],
    )
    (finding,) = timeout_inversion(context(topo))
    assert finding.components == ("mobile", "lb")
    assert finding.evidence == "along mobile -> lb -> api: mobile timeout 10s < lb backend_timeout 30s"
    assert finding.severity is Severity.WARNING


def test_hops_without_a_timeout_are_skipped() -> None:
    """A hop with no declared timeout neither fires nor hides the comparison around it."""
    topo = topology(
        services=[service()],
        load_balancers=[{**LB, "backend_timeout": "30s"}],
        clients=[{"name": "web", "timeout": "40s"}],
        databases=[{"name": "db", "max_connections": 10, "statement_timeout": "45s"}],
        request_paths=[{"name": "p", "hops": ["web", "lb", "api", "db"]}],
    )
    assert [f.components for f in timeout_inversion(context(topo))] == [("lb", "db")]


def test_same_pair_is_reported_once() -> None:
    """An inversion seen along a declared path and the derived one is one finding."""
    topo = topology(
        services=[service(request_timeout="60s")],
        load_balancers=[{**LB, "backend_timeout": "30s"}],
        request_paths=[{"name": "p", "hops": ["lb", "api"]}],
    )
    assert len(timeout_inversion(context(topo))) == 1
