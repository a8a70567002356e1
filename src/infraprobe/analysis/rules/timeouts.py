"""Timeout inversion: an outer caller gives up before the work it started is allowed to finish.

Along a request path each hop should wait at least as long as the hop inside it; otherwise the inner work
keeps running (holding a connection, a worker, a lock) after nobody is waiting for its answer, and retries
pile more work on top. Paths come from `request_paths` (any declared order) and, implicitly, from every
load balancer -> backend service -> database the service pools to. Equal timeouts are fine.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from infraprobe.analysis.model import Finding, Severity
from infraprobe.analysis.rules.base import Context, seconds
from infraprobe.config.topology import Client, Database, LoadBalancer, Service, Topology
from infraprobe.taxonomy import Cause

Hop = tuple[str, str, float]  # name, the field the timeout comes from, seconds


def timeout_inversion(ctx: Context) -> list[Finding]:
    found: dict[tuple[str, str], Finding] = {}
    for chain in request_chains(ctx.topology):
        hops = [h for h in (hop_timeout(ctx.topology, name) for name in chain) if h is not None]
        for outer, inner in pairwise(hops):
            if outer[2] < inner[2] and (outer[0], inner[0]) not in found:
                found[(outer[0], inner[0])] = _finding(chain, outer, inner)
    return list(found.values())


def request_chains(topology: Topology) -> Iterator[tuple[str, ...]]:
    """Declared request paths first, then load balancer -> service -> database for every pool."""
    for path in topology.request_paths:
        yield path.hops
    for lb in topology.load_balancers:
        for name in lb.backends:
            svc = topology.service(name)
            databases = (
                [p.server for p in svc.pools if isinstance(topology.server(p.server), Database)]
                if svc
                else []
            )
            yield (lb.name, name, *dict.fromkeys(databases))


def hop_timeout(topology: Topology, name: str) -> Hop | None:
    entry = topology.entry(name)
    if isinstance(entry, Client):
        return name, "timeout", entry.timeout
    if isinstance(entry, LoadBalancer) and entry.backend_timeout is not None:
        return name, "backend_timeout", entry.backend_timeout
    if isinstance(entry, Service) and entry.request_timeout is not None:
        return name, "request_timeout", entry.request_timeout
    if isinstance(entry, Database) and entry.statement_timeout is not None:
        return name, "statement_timeout", entry.statement_timeout
    return None


def _finding(chain: tuple[str, ...], outer: Hop, inner: Hop) -> Finding:
    o_name, o_field, o_sec = outer
    i_name, i_field, i_sec = inner
    return Finding(
        code="timeout_inversion",
        severity=Severity.WARNING,
        components=(o_name, i_name),
        summary=f"{o_name} stops waiting after {seconds(o_sec)} while {i_name} may work for {seconds(i_sec)}",
        evidence=f"along {' -> '.join(chain)}: {o_name} {o_field} {seconds(o_sec)} < "
        f"{i_name} {i_field} {seconds(i_sec)}",
        fix=f"Make {o_name} {o_field} at least {seconds(i_sec)}, or lower {i_name} {i_field} to at most "
        f"{seconds(o_sec)}, so the inner hop gives up first and the caller sees its error.",
        explains=frozenset({Cause.READ_TIMEOUT, Cause.UPSTREAM_UNAVAILABLE}),
        values={"outer_s": o_sec, "inner_s": i_sec},
    )
