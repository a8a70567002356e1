"""Drift: the declared topology against what the live servers report (only with `--observe`).

Every difference is its own `drift` finding naming both values, because each one means the capacity
arithmetic was done on numbers that are not true. Current connection counts are not drift but headroom:
`connections_near_limit` says how close to the cap the server is right now.
"""

from __future__ import annotations

from collections.abc import Iterator

from infraprobe import facts
from infraprobe.analysis.model import Finding, Severity
from infraprobe.analysis.rules.base import Context
from infraprobe.analysis.rules.certs import as_utc, cert_expiry, cert_names
from infraprobe.config.topology import Cache, Database, Entry
from infraprobe.facts import Fact, FactValue
from infraprobe.taxonomy import Cause

NEAR_LIMIT_PERCENT = 80  # above this share of the usable slots, one traffic spike exhausts them

Difference = tuple[str, str, FactValue, FactValue]  # entry, field, declared, observed


def drift(ctx: Context) -> list[Finding]:
    if ctx.observations is None:
        return []
    return [_drift_finding(*d) for d in _differences(ctx)]


def connections_near_limit(ctx: Context) -> list[Finding]:
    found = []
    for server in ctx.topology.servers():
        usage = _usage(ctx, server)
        if usage is not None and usage[0] * 100 > usage[1] * NEAR_LIMIT_PERCENT:
            found.append(_near_finding(server.name, *usage))
    return found


def _differences(ctx: Context) -> Iterator[Difference]:
    for db in ctx.topology.databases:
        yield from _numbers(ctx, db, (facts.MAX_CONNECTIONS, db.max_connections))
        yield from _numbers(ctx, db, (facts.RESERVED_CONNECTIONS, db.reserved_connections))
    for cache in ctx.topology.caches:
        yield from _numbers(
            ctx, cache, (facts.MAXCLIENTS, cache.maxclients), (facts.MAXMEMORY, cache.maxmemory)
        )
    for cert in ctx.topology.certificates:
        names, source = cert_names(ctx, cert)
        if source == "observed" and sorted(map(str.lower, names)) != sorted(map(str.lower, cert.names)):
            yield cert.name, "names", list(cert.names), list(names)
        expires, source = cert_expiry(ctx, cert)
        if source == "observed" and expires.date() != as_utc(cert.not_after).date():
            yield (
                cert.name,
                "not_after",
                as_utc(cert.not_after).date().isoformat(),
                expires.date().isoformat(),
            )
    for entry in ctx.topology.entries():
        yield from _addresses(ctx, entry)


def _numbers(ctx: Context, entry: Entry, *pairs: tuple[Fact[int], int | None]) -> Iterator[Difference]:
    for fact, declared in pairs:
        seen = ctx.observed(entry.name, fact)
        if declared is not None and seen is not None and seen != declared:
            yield entry.name, fact.key, declared, seen


def _addresses(ctx: Context, entry: Entry) -> Iterator[Difference]:
    if entry.addresses is None:
        return
    declared = sorted(entry.addresses)
    every, one = ctx.observed(entry.name, facts.ADDRESSES), ctx.observed(entry.name, facts.ADDRESS)
    if every is not None and sorted(map(str, every)) != declared:
        yield entry.name, "addresses", declared, sorted(map(str, every))
    # The postgres probe records only the address libpq connected to: it must be one of the declared.
    elif every is None and one is not None and one not in declared:
        yield entry.name, "addresses", declared, [one]


def _drift_finding(name: str, key: str, declared: FactValue, observed: FactValue) -> Finding:
    return Finding(
        code="drift",
        severity=Severity.WARNING,
        components=(name,),
        summary=f"{name} {key} is {_show(observed)} live but declared as {_show(declared)}",
        evidence=f"{name} {key}: declared {_show(declared)}, observed {_show(observed)}",
        fix=f"Decide which is right: change the server's {key} to the planned value, or update the topology "
        "(and re-check the capacity arithmetic with the real number).",
        values={"field": key, "declared": declared, "observed": observed},
        observed=True,
    )


def _usage(ctx: Context, server: Database | Cache) -> tuple[int, int, str] | None:
    """(in use, usable limit, arithmetic) from live facts, or None when not observed."""
    if isinstance(server, Cache):
        used = ctx.observed(server.name, facts.CONNECTED_CLIENTS)
        limit = ctx.value(server.name, facts.MAXCLIENTS, server.maxclients).number
        return (used, limit, f"connected_clients {used} of maxclients {limit}") if used is not None else None
    used = ctx.observed(server.name, facts.CONNECTIONS_IN_USE)
    most = ctx.value(server.name, facts.MAX_CONNECTIONS, server.max_connections).number
    reserved = ctx.value(server.name, facts.RESERVED_CONNECTIONS, server.reserved_connections).number
    text = f"connections_in_use {used} of max_connections {most} - reserved {reserved} = {most - reserved}"
    return (used, most - reserved, text) if used is not None else None


def _near_finding(name: str, used: int, limit: int, text: str) -> Finding:
    full = used >= limit
    return Finding(
        code="connections_near_limit",
        severity=Severity.CRITICAL if full else Severity.WARNING,
        components=(name,),
        summary=f"{name} has {used} of {limit} usable connections in use right now",
        evidence=f"{text} usable; {used * 100 / max(limit, 1):.0f}% > {NEAR_LIMIT_PERCENT}%",
        fix=f"Find who holds {name}'s connections (pg_stat_activity / CLIENT LIST, grouped by client) "
        "before the next spike; shrink idle pools or add a pooler.",
        explains=frozenset({Cause.DB_CONNECTION_LIMIT}) if full else frozenset(),
        values={"in_use": used, "limit": limit},
        observed=True,
    )


def _show(value: FactValue) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
