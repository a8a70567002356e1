"""The `topology` section: the numbers an environment is built from, for static analysis.

Components say *what* to probe; the topology says *how much*: instances, workers and pools per service,
connection limits of databases, caches and network paths, health-check timings and certificates. Rules
(`infraprobe.analysis.rules`) do arithmetic over it. Every entry has a name unique across the whole
section, so request paths and pools can refer to any of them, and may name the config component it is
(`component:`) so live facts can be compared with the declared values.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field, model_validator

from infraprobe.config.model import Strict
from infraprobe.config.references import references
from infraprobe.config.types import Duration

_NAME = r"^[A-Za-z0-9_.\-]+$"


class Entry(Strict):
    """Fields every topology entry has."""

    name: str = Field(min_length=1, pattern=_NAME, description="unique within the topology")
    component: str | None = Field(
        None, description="the config component this entry is (default: the component of the same name)"
    )
    addresses: tuple[str, ...] | None = Field(
        None, description="addresses the name should resolve to (compared with --observe)"
    )


class Pool(Strict):
    """One client-side connection pool a service keeps in every worker process."""

    server: str = Field(description="a database or cache in this topology")
    size: int = Field(ge=0, description="connections kept per process")
    max_overflow: int = Field(0, ge=0, description="extra connections a process may open under load")
    via: str | None = Field(None, description="network path the connections go through")

    @property
    def per_process(self) -> int:
        return self.size + self.max_overflow


class Service(Entry):
    min_instances: int = Field(1, ge=0)
    max_instances: int = Field(ge=1, description="the autoscaler's ceiling: the worst case counts")
    processes: int = Field(1, ge=1, description="worker processes per instance, each with its own pools")
    pools: tuple[Pool, ...] = ()
    startup_budget: Duration | None = Field(
        None, description="longest time start-up may take, waits for dependencies included"
    )
    request_timeout: Duration | None = None


class Database(Entry):
    max_connections: int = Field(ge=1)
    reserved_connections: int = Field(
        0, ge=0, description="slots ordinary clients cannot use (superuser_reserved + reserved)"
    )
    statement_timeout: Duration | None = None


class Cache(Entry):
    maxclients: int = Field(ge=1)
    maxmemory: int | None = Field(None, ge=0, description="bytes; 0 means no limit")


class NetworkPath(Entry):
    """A connector, NAT or proxy: no endpoint of its own, but a ceiling on concurrent connections."""

    max_connections: int | None = Field(None, ge=1)


class LoadBalancer(Entry):
    """A load balancer or a platform's health / start-up probe in front of services."""

    backends: tuple[str, ...] = Field(min_length=1, description="services behind it")
    health_check_path: str = "/"
    interval: Duration = Field(gt=0)
    timeout: Duration = Field(gt=0)
    healthy_threshold: int = Field(1, ge=1)
    unhealthy_threshold: int = Field(ge=1)
    initial_delay: Duration = 0.0
    startup_window: Duration | None = Field(
        None, description="explicit time a new instance gets before it is killed (overrides the formula)"
    )
    backend_timeout: Duration | None = Field(None, description="how long it waits for a backend response")
    domains: tuple[str, ...] = ()
    certificate: str | None = None

    @property
    def gives_up_after(self) -> float:
        """Seconds until a new instance that never turns healthy is declared dead."""
        if self.startup_window is not None:
            return self.startup_window
        return self.initial_delay + self.interval * self.unhealthy_threshold


class Certificate(Entry):
    names: tuple[str, ...] = Field(min_length=1, description="subject alternative names")
    not_after: datetime | date


class Client(Entry):
    """An outside caller (browser, mobile app, another team's service) with its own timeout."""

    timeout: Duration = Field(gt=0)


class RequestPath(Strict):
    name: str = Field(min_length=1, pattern=_NAME)
    hops: tuple[str, ...] = Field(min_length=2, description="outermost caller first")


class Topology(Strict):
    services: tuple[Service, ...] = ()
    databases: tuple[Database, ...] = ()
    caches: tuple[Cache, ...] = ()
    paths: tuple[NetworkPath, ...] = ()
    load_balancers: tuple[LoadBalancer, ...] = ()
    certificates: tuple[Certificate, ...] = ()
    clients: tuple[Client, ...] = ()
    request_paths: tuple[RequestPath, ...] = ()
    certificate_warning_days: int = Field(21, ge=0, description="warn when a certificate expires sooner")

    # A plain function (config/references.py), so `config validate` runs it without pydantic.
    _references = model_validator(mode="after")(references)

    def entries(self) -> tuple[Entry, ...]:
        return (
            *self.services,
            *self.databases,
            *self.caches,
            *self.paths,
            *self.load_balancers,
            *self.certificates,
            *self.clients,
        )

    def entry(self, name: str) -> Entry | None:
        return next((e for e in self.entries() if e.name == name), None)

    def service(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)

    def servers(self) -> tuple[Database | Cache, ...]:
        """Everything clients open pools to: databases and caches."""
        databases: tuple[Database | Cache, ...] = self.databases
        return databases + self.caches

    def server(self, name: str) -> Database | Cache | None:
        return next((s for s in self.servers() if s.name == name), None)

    def path(self, name: str) -> NetworkPath | None:
        return next((p for p in self.paths if p.name == name), None)

    def certificate(self, name: str) -> Certificate | None:
        return next((c for c in self.certificates if c.name == name), None)
