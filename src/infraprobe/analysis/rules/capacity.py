"""Capacity: could every pool, at the autoscaler's ceiling, ever get the connections it may open?

Worst case, not average: at max instances every process may fill its pool and its overflow, and that is
exactly when (a traffic spike, a slow database) the connections are needed. Equal to the limit is fine;
one more connection than the server or path accepts is a finding.
"""

from __future__ import annotations

from dataclasses import dataclass

from infraprobe import facts
from infraprobe.analysis.model import Finding, Severity
from infraprobe.analysis.rules.base import Context, Value, plural
from infraprobe.config.topology import Cache, Database, Pool, Topology
from infraprobe.taxonomy import Cause

SERVER_EXPLAINS = frozenset({Cause.DB_CONNECTION_LIMIT, Cause.POOL_EXHAUSTED})
PATH_EXPLAINS = frozenset(
    {Cause.CONNECT_TIMEOUT, Cause.CONNECTION_RESET, Cause.READ_TIMEOUT, Cause.NETWORK_UNREACHABLE}
)


@dataclass(frozen=True, slots=True)
class Demand:
    """The most connections one service's pool to one server can hold at once."""

    service: str
    instances: int
    processes: int
    pool: Pool

    @property
    def total(self) -> int:
        return self.instances * self.processes * self.pool.per_process

    def text(self) -> str:
        instances = plural(self.instances, "instance", "instances")
        processes = plural(self.processes, "process", "processes")
        pool = f"({self.pool.size} pool + {self.pool.max_overflow} overflow)"
        return f"{self.service} {instances} x {processes} x {pool} = {self.total}"


def demands(topology: Topology, *, server: str | None = None, via: str | None = None) -> list[Demand]:
    """Every pool to `server` (or through network path `via`), at max instances."""
    return [
        Demand(svc.name, svc.max_instances, svc.processes, pool)
        for svc in topology.services
        for pool in svc.pools
        if (server is None or pool.server == server) and (via is None or pool.via == via)
    ]


def pool_over_capacity(ctx: Context) -> list[Finding]:
    found = []
    for server in ctx.topology.servers():
        wanted = demands(ctx.topology, server=server.name)
        limit, limit_text = _usable(ctx, server)
        total = sum(d.total for d in wanted)
        if wanted and total > limit.number:
            found.append(_server_finding(server.name, wanted, limit, limit_text))
    return found


def path_over_capacity(ctx: Context) -> list[Finding]:
    found = []
    for path in ctx.topology.paths:
        wanted = demands(ctx.topology, via=path.name)
        total = sum(d.total for d in wanted)
        if path.max_connections is not None and wanted and total > path.max_connections:
            limit = Value(path.max_connections, "declared")
            found.append(_path_finding(path.name, wanted, limit))
    return found


def _usable(ctx: Context, server: Database | Cache) -> tuple[Value, str]:
    """Connections ordinary clients may open, and the arithmetic behind the number."""
    if isinstance(server, Cache):
        clients = ctx.value(server.name, facts.MAXCLIENTS, server.maxclients)
        return clients, f"maxclients {clients}"
    most = ctx.value(server.name, facts.MAX_CONNECTIONS, server.max_connections)
    reserved = ctx.value(server.name, facts.RESERVED_CONNECTIONS, server.reserved_connections)
    usable = Value(
        most.number - reserved.number, "observed" if most.observed or reserved.observed else "declared"
    )
    text = f"max_connections {most} - reserved {reserved} = {usable.number} usable"
    return usable, text


def _server_finding(name: str, wanted: list[Demand], limit: Value, limit_text: str) -> Finding:
    return _over_capacity(
        "pool_over_capacity",
        name,
        wanted,
        limit,
        where=f"to {name}, which accepts",
        limit_text=limit_text,
        remedies=(f"raise {name}'s connection limit", "put a pooler (PgBouncer) in front"),
        explains=SERVER_EXPLAINS,
        observed=limit.observed,
    )


def _path_finding(name: str, wanted: list[Demand], limit: Value) -> Finding:
    return _over_capacity(
        "path_over_capacity",
        name,
        wanted,
        limit,
        where=f"through {name}, which carries",
        limit_text=f"max_connections {limit} of {name}",
        remedies=(f"scale {name} up (more or larger connector instances)", "route around it"),
        explains=PATH_EXPLAINS,
        observed=False,
    )


def _over_capacity(
    code: str,
    name: str,
    wanted: list[Demand],
    limit: Value,
    *,
    where: str,
    limit_text: str,
    remedies: tuple[str, str],
    explains: frozenset[Cause],
    observed: bool,
) -> Finding:
    """The worst-case demand on `name` exceeds its limit: one finding, arithmetic as evidence."""
    total = sum(d.total for d in wanted)
    return Finding(
        code=code,
        severity=Severity.CRITICAL,
        components=(name, *dict.fromkeys(d.service for d in wanted)),
        summary=f"pools may open {total} connections {where} {limit.number}",
        evidence=f"{_sum_text(wanted)}; {total} > {limit_text}",
        fix=_fix(wanted, limit.number, *remedies),
        explains=explains,
        values={"demand": total, "limit": limit.number, "limit_source": limit.source},
        observed=observed,
    )


def _sum_text(wanted: list[Demand]) -> str:
    parts = "; ".join(d.text() for d in wanted)
    return parts if len(wanted) == 1 else f"{parts}; sum {sum(d.total for d in wanted)}"


def _fix(wanted: list[Demand], limit: int, raise_it: str, alternative: str) -> str:
    processes = sum(d.instances * d.processes for d in wanted)
    # The largest per-process pool+overflow that fits at the current instance ceilings.
    per_process = limit // processes if processes else 0
    return (
        f"Make the worst case fit: at most {per_process} connections (pool + overflow) per process across "
        f"{processes} processes at max instances, or lower max_instances, or {raise_it}, or {alternative}."
    )
