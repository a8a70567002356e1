"""pool_over_capacity and path_over_capacity: worst-case pools against server and path limits."""

from __future__ import annotations

from infraprobe.analysis.model import Severity
from infraprobe.analysis.rules.capacity import path_over_capacity, pool_over_capacity
from infraprobe.taxonomy import Cause

from .helpers import codes, components, config, context, pool, run, service, topology


def _db(max_connections: int, reserved: int = 0) -> dict[str, object]:
    return {"name": "db", "max_connections": max_connections, "reserved_connections": reserved}


def _one_service(per_process: int, **db_limits: int) -> list[str]:
    svc = service(max_instances=4, processes=2, pools=[pool(size=per_process - 2, overflow=2)])
    return codes(pool_over_capacity(context(topology(services=[svc], databases=[_db(**db_limits)]))))


def test_demand_equal_to_usable_connections_is_fine() -> None:
    """4 instances x 2 processes x 10 = 80 against 83 - 3 reserved = 80 usable: no finding."""
    assert _one_service(10, max_connections=83, reserved=3) == []


def test_one_connection_over_the_usable_limit_fires() -> None:
    """80 connections against 82 - 3 = 79 usable: pool_over_capacity."""
    assert _one_service(10, max_connections=82, reserved=3) == ["pool_over_capacity"]


def test_finding_shows_the_arithmetic_and_a_fitting_pool() -> None:
    """Evidence multiplies instances, processes, pool and overflow; the fix names a per-process budget."""
    svc = service("backend", max_instances=4, processes=2, pools=[pool(size=10, overflow=15)])
    (finding,) = pool_over_capacity(context(topology(services=[svc], databases=[_db(100, 3)])))
    assert "backend 4 instances x 2 processes x (10 pool + 15 overflow) = 200" in finding.evidence
    assert "200 > max_connections 100 (declared) - reserved 3 (declared) = 97 usable" in finding.evidence
    assert "at most 12 connections (pool + overflow) per process across 8 processes" in finding.fix
    assert finding.severity is Severity.CRITICAL
    assert finding.components == ("db", "backend")
    assert Cause.DB_CONNECTION_LIMIT in finding.explains


def test_demand_sums_over_every_service_using_the_server() -> None:
    """Two services of 30 each fit 60 alone but not 59 together."""
    services = [
        service("a", max_instances=3, pools=[pool(size=10)]),
        service("b", max_instances=3, pools=[pool(size=10)]),
    ]
    assert codes(pool_over_capacity(context(topology(services=services, databases=[_db(60)])))) == []
    (finding,) = pool_over_capacity(context(topology(services=services, databases=[_db(59)])))
    assert "sum 60" in finding.evidence
    assert finding.components == ("db", "a", "b")


def test_cache_maxclients_is_the_limit() -> None:
    """A cache accepts maxclients: equal is fine, one over fires."""
    svc = [service(max_instances=5, pools=[pool(server="cache", size=10)])]
    ok = topology(services=svc, caches=[{"name": "cache", "maxclients": 50}])
    over = topology(services=svc, caches=[{"name": "cache", "maxclients": 49}])
    assert pool_over_capacity(context(ok)) == []
    assert codes(pool_over_capacity(context(over))) == ["pool_over_capacity"]


def test_observed_limit_replaces_the_declared_one_and_says_so() -> None:
    """Declared 100 but observed 20: the arithmetic uses 20 and labels it observed."""
    topo = topology(services=[service(max_instances=2, pools=[pool(size=10)])], databases=[_db(100, 3)])
    facts = {"db": {"max_connections": 20, "reserved_connections": 3}}
    (finding,) = pool_over_capacity(context(topo, facts))
    assert (
        "max_connections 20 (observed; declared 100) - reserved 3 (observed) = 17 usable" in finding.evidence
    )
    assert finding.observed
    assert finding.values["limit"] == 17


def test_unlinked_server_ignores_observations() -> None:
    """Facts of a component the entry is not linked to are not its observations."""
    topo = topology(services=[service(max_instances=2, pools=[pool(size=10)])], databases=[_db(100)])
    assert pool_over_capacity(context(topo, {"db": {"max_connections": 5}}, links={})) == []


def _path(limit: int) -> list[str]:
    svc = service(max_instances=2, processes=1, pools=[pool(size=10, overflow=15, via="vpc")])
    topo = topology(services=[svc], databases=[_db(1000)], paths=[{"name": "vpc", "max_connections": limit}])
    return codes(path_over_capacity(context(topo)))


def test_path_at_its_limit_is_fine_and_one_over_fires() -> None:
    """2 x 1 x 25 = 50 through a path of 50 is fine; through 49 it is path_over_capacity."""
    assert _path(50) == []
    assert _path(49) == ["path_over_capacity"]


def test_only_pools_through_the_path_count() -> None:
    """A pool that does not go via the path adds no demand to it."""
    services = [service("a", pools=[pool(size=40, via="vpc")]), service("b", pools=[pool(size=40)])]
    topo = topology(services=services, databases=[_db(1000)], paths=[{"name": "vpc", "max_connections": 40}])
    assert path_over_capacity(context(topo)) == []


def test_path_without_a_limit_is_not_judged() -> None:
    """No max_connections declared anywhere: nothing to compare with."""
    svc = service(pools=[pool(size=500, via="vpc")])
    topo = topology(services=[svc], databases=[_db(1000)], paths=[{"name": "vpc"}])
    assert path_over_capacity(context(topo)) == []


def test_path_borrows_the_limit_of_its_path_component() -> None:
    """A topology path with no limit uses max_connections declared on the linked `path` component."""
    text = components("vpc:path").replace("kind: path", "kind: path, max_connections: 49") + (
        "topology:\n"
        "  services: [{name: api, max_instances: 2, pools: [{server: db, size: 25, via: vpc}]}]\n"
        "  databases: [{name: db, max_connections: 1000}]\n"
        "  paths: [{name: vpc}]\n"
    )
    assert config(text)  # valid
    assert "path_over_capacity" in codes(run(text).findings)
