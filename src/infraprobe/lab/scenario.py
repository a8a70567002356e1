"""What the lab breaks: the faults, the scenarios that combine them, and the numbers each one implies.

Every number here is real in the lab *and* declared in the config it writes: the connector's packet filter
really caps connections at `connector_cap`, PostgreSQL really runs with `max_connections`, the backend's
pool and start-up phases really use these sizes and timeouts. So `analyze` does its arithmetic on what the
lab runs, and the live checks show what that arithmetic predicts.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from infraprobe.taxonomy import Layer


class Fault(enum.StrEnum):
    """One thing the lab can break. The value is the name `--scenario` takes."""

    DNS = "dns"  # the resolver does not know the cache's name: SERVFAIL, so clients see error -3
    CONNECTOR = "connector"  # pools through the connector exceed its connection cap
    POOL = "pool"  # pools exceed the database's max_connections
    STARTUP = "startup"  # the backend may wait longer at start-up than the load balancer's patience
    TLS = "tls"  # the certificate does not cover one of the names the load balancer serves
    ROUTE = "route"  # the connector has no route to the database's address: network unreachable


@dataclass(frozen=True)
class Expected:
    """A root cause `analyze` must report for a fault: where, which code, which layer."""

    component: str
    cause: str
    layer: Layer


EXPECTED: dict[Fault, Expected] = {
    Fault.DNS: Expected("cache", "dns_failure", Layer.INFRASTRUCTURE),
    Fault.CONNECTOR: Expected("connector", "path_over_capacity", Layer.CONFIGURATION),
    Fault.POOL: Expected("db", "pool_over_capacity", Layer.CONFIGURATION),
    Fault.STARTUP: Expected("backend", "startup_budget_exceeds_probe", Layer.CONFIGURATION),
    Fault.TLS: Expected("public-api", "cert_name_not_covered", Layer.CONFIGURATION),
    Fault.ROUTE: Expected("db", "network_unreachable", Layer.INFRASTRUCTURE),
}

# The brief's staging outage, all at once. A missing route is not part of it: it would hide everything
# behind the connector (no connection gets far enough to meet the cap or the database's limit).
OUTAGE = frozenset({Fault.DNS, Fault.CONNECTOR, Fault.POOL, Fault.STARTUP, Fault.TLS})
SCENARIOS: dict[str, frozenset[Fault]] = {"outage": OUTAGE, **{f.value: frozenset({f}) for f in Fault}}

# Faults that need network namespaces; on loopback they are left out (and the lab says so).
NEEDS_NETNS = frozenset({Fault.CONNECTOR, Fault.ROUTE})


@dataclass(frozen=True)
class Sizing:
    """The numbers of one run. Faults change them; `--fix` is the run with no fault."""

    connector_cap: int  # concurrent connections the connector's packet filter lets through to the database
    db_max_connections: int
    db_reserved: int  # superuser_reserved_connections
    worker_pool: int  # connections the worker service holds through the connector (its whole pool)
    backend_pool_min: int
    backend_pool_max: int
    db_wait: float  # how long the backend's start-up waits for the database
    redis_wait: float
    schema_timeout: float  # the backend's schema phase (fixed in its code)
    lb_interval: float
    lb_unhealthy_threshold: int
    lb_startup_window: float | None  # the balancer's patience with a starting backend (None: none)

    @property
    def startup_budget(self) -> float:
        return self.db_wait + self.schema_timeout + self.redis_wait


def sizing(faults: frozenset[Fault]) -> Sizing:
    """The numbers for a set of faults: each fault swaps in the brief's bad value for the good one."""
    startup = Fault.STARTUP in faults
    db_wait, redis_wait = (600.0, 120.0) if startup else (20.0, 10.0)
    return Sizing(
        connector_cap=5 if Fault.CONNECTOR in faults else 50,
        db_max_connections=8 if Fault.POOL in faults else 30,
        db_reserved=3,
        worker_pool=5,
        backend_pool_min=1,
        backend_pool_max=4,
        db_wait=db_wait,
        redis_wait=redis_wait,
        schema_timeout=30.0,
        lb_interval=1.0,
        lb_unhealthy_threshold=3,
        lb_startup_window=None if startup else db_wait + 30.0 + redis_wait + 10.0,
    )


def parse_scenario(name: str) -> frozenset[Fault]:
    """A scenario name, or faults joined by `+` (`dns+tls`); ValueError names what is known."""
    if name in SCENARIOS:
        return SCENARIOS[name]
    parts = name.split("+")
    known = {f.value: f for f in Fault}
    unknown = [p for p in parts if p not in known]
    if unknown:
        raise ValueError(
            f"unknown scenario {unknown[0]!r}; known: {', '.join(SCENARIOS)} (or faults joined by +)"
        )
    return frozenset(known[p] for p in parts)
