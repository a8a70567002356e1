"""drift and connections_near_limit: declared numbers against the live servers' own."""

from __future__ import annotations

from infraprobe.analysis import Observations
from infraprobe.analysis.model import Severity
from infraprobe.analysis.rules.drift import connections_near_limit, drift

from .helpers import codes, context, topology

DB = {"name": "db", "max_connections": 100, "reserved_connections": 3, "addresses": ["192.0.2.15"]}
CACHE = {"name": "cache", "maxclients": 1000, "maxmemory": 1024}
CERT = {"name": "cert", "names": ["api.example.com"], "not_after": "2030-01-01"}


def _drift(facts: Observations) -> list[tuple[object, ...]]:
    topo = topology(databases=[DB], caches=[CACHE], certificates=[CERT])
    return [
        (f.anchor, f.values["field"], f.values["declared"], f.values["observed"])
        for f in drift(context(topo, facts))
    ]


def test_no_observations_means_no_drift() -> None:
    """Without --observe there is nothing to compare."""
    assert drift(context(topology(databases=[DB]))) == []


def test_matching_values_are_no_drift() -> None:
    """Observed values equal to the declared ones produce nothing."""
    facts: Observations = {
        "db": {"max_connections": 100, "reserved_connections": 3, "addresses": ["192.0.2.15"]}
    }
    assert _drift(facts) == []


def test_each_difference_is_a_finding_naming_both_values() -> None:
    """max_connections 100 declared, 20 observed: one drift finding with both numbers."""
    topo = topology(databases=[DB])
    (finding,) = drift(context(topo, {"db": {"max_connections": 20, "reserved_connections": 3}}))
    assert finding.evidence == "db max_connections: declared 100, observed 20"
    assert finding.severity is Severity.WARNING


def test_cache_certificate_and_address_drift() -> None:
    """maxclients, maxmemory, certificate names and dates, and resolved addresses are all compared."""
    facts: Observations = {
        "cache": {"maxclients": 10, "maxmemory": 0},
        "cert": {"sans": ["www.example.com"], "not_after": "2029-06-01T00:00:00+00:00"},
        "db": {"address": "192.0.2.14"},
    }
    assert _drift(facts) == [
        ("cache", "maxclients", 1000, 10),
        ("cache", "maxmemory", 1024, 0),
        ("cert", "names", ["api.example.com"], ["www.example.com"]),
        ("cert", "not_after", "2030-01-01", "2029-06-01"),
        ("db", "addresses", ["192.0.2.15"], ["192.0.2.14"]),
    ]


def test_resolved_address_lists_are_compared_as_sets() -> None:
    """The same addresses in another order are no drift; a missing one is."""
    assert _drift({"db": {"addresses": ["192.0.2.15"]}}) == []
    assert _drift({"db": {"addresses": ["192.0.2.15", "192.0.2.16"]}}) == [
        ("db", "addresses", ["192.0.2.15"], ["192.0.2.15", "192.0.2.16"])
    ]


def _near(in_use: int) -> list[tuple[str, Severity]]:
    topo = topology(databases=[{"name": "db", "max_connections": 103, "reserved_connections": 3}])
    found = connections_near_limit(context(topo, {"db": {"connections_in_use": in_use}}))
    return [(f.code, f.severity) for f in found]


def test_eighty_percent_in_use_is_fine_and_one_more_warns() -> None:
    """80 of 100 usable is at the threshold (fine); 81 warns; 100 (all) is critical."""
    assert _near(80) == []
    assert _near(81) == [("connections_near_limit", Severity.WARNING)]
    assert _near(100) == [("connections_near_limit", Severity.CRITICAL)]


def test_cache_clients_count_against_maxclients() -> None:
    """connected_clients over 80% of maxclients warns."""
    topo = topology(caches=[{"name": "cache", "maxclients": 10}])
    assert codes(connections_near_limit(context(topo, {"cache": {"connected_clients": 9}}))) == [
        "connections_near_limit"
    ]
    assert connections_near_limit(context(topo, {"cache": {"connected_clients": 8}})) == []
