"""Cross-references inside the topology, checked when the section is validated.

Errors are raised as one pydantic_core `ValidationError` whose line errors carry the exact location
(`services[0].pools[1].server`), so the config loader reports each as `file:line:col: field: message`
like any other field error, and `infraprobe config validate` catches them without running analysis.

Free of pydantic, and reading only the section's fields (no model method): `Topology` registers
`references` as its after-validator, and `config validate` runs the same function on the stand-in of its
generated core schema (configfile/plain.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from infraprobe.config.yamlsrc import Path_, SourceMap, format_path
from infraprobe.errors import ConfigError, ConfigErrors

if TYPE_CHECKING:
    from infraprobe.config.topology import Topology

# The sections of named entries; names are unique across all of them.
SECTIONS = ("services", "databases", "caches", "paths", "load_balancers", "certificates", "clients")


class Named(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...


class Components(Protocol):
    """What a section's check against the config reads of it: its components (`Config`, or the
    components `config validate` validated, as `build.Listed`)."""

    @property
    def components(self) -> Sequence[Named]: ...
    @property
    def names(self) -> list[str]: ...


def references(topology: Any) -> Any:
    """The after-validator of `Topology`: every name an entry refers to exists."""
    check_references(topology)
    return topology


def sections(topology: Any) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    """(section name, entries) for every section of named entries, in declaration order."""
    return tuple((name, getattr(topology, name)) for name in SECTIONS)


Loc = tuple[str | int, ...]
Problem = tuple[Loc, str, object]  # where, what is wrong, the offending value


def check_references(topology: Topology) -> None:
    problems = [
        *_duplicates(topology),
        *_services(topology),
        *_load_balancers(topology),
        *_request_paths(topology),
    ]
    if problems:
        raise ValidationError.from_exception_data("topology", [_line(*p) for p in problems])


def unknown(what: str, value: str, known: Iterable[str]) -> str:
    """`no database named so; did you mean 'db'?` — the value itself is appended by the loader."""
    import difflib  # only a file with a wrong name needs it (start-up of `config validate`, issue 10)

    names = sorted(known)
    close = difflib.get_close_matches(value, names, n=1)
    if close:
        return f"no {what} of that name; did you mean {close[0]!r}?"
    return f"no {what} of that name (known: {', '.join(names) or 'none'})"


def _line(loc: Loc, message: str, value: object) -> InitErrorDetails:
    # Braces would be read as template fields by PydanticCustomError.
    text = message.replace("{", "{{").replace("}", "}}")
    return InitErrorDetails(type=PydanticCustomError("topology_reference", text), loc=loc, input=value)


def _duplicates(topology: Topology) -> Iterator[Problem]:
    first: dict[str, str] = {}
    for section, entries in sections(topology):
        for i, entry in enumerate(entries):
            where = f"{section}[{i}]"
            if entry.name in first:
                yield (section, i, "name"), f"duplicate name; already used by {first[entry.name]}", entry.name
            first.setdefault(entry.name, where)


def _services(topology: Topology) -> Iterator[Problem]:
    servers = [s.name for s in (*topology.databases, *topology.caches)]
    paths = [p.name for p in topology.paths]
    for i, svc in enumerate(topology.services):
        if svc.min_instances > svc.max_instances:
            message = f"must not exceed max_instances ({svc.max_instances})"
            yield ("services", i, "min_instances"), message, svc.min_instances
        for j, pool in enumerate(svc.pools):
            loc: Loc = ("services", i, "pools", j)
            if pool.server not in servers:
                yield (*loc, "server"), unknown("database or cache", pool.server, servers), pool.server
            if pool.via is not None and pool.via not in paths:
                yield (*loc, "via"), unknown("network path", pool.via, paths), pool.via


def _load_balancers(topology: Topology) -> Iterator[Problem]:
    services = [s.name for s in topology.services]
    certificates = [c.name for c in topology.certificates]
    for i, lb in enumerate(topology.load_balancers):
        for j, backend in enumerate(lb.backends):
            if backend not in services:
                yield ("load_balancers", i, "backends", j), unknown("service", backend, services), backend
        if lb.certificate is not None and lb.certificate not in certificates:
            message = unknown("certificate", lb.certificate, certificates)
            yield ("load_balancers", i, "certificate"), message, lb.certificate


def _request_paths(topology: Topology) -> Iterator[Problem]:
    timed = [e.name for e in (*topology.clients, *topology.load_balancers, *topology.services)]
    timed += [d.name for d in topology.databases]
    all_names = {e.name for _, entries in sections(topology) for e in entries}
    for i, path in enumerate(topology.request_paths):
        for j, hop in enumerate(path.hops):
            loc: Loc = ("request_paths", i, "hops", j)
            if hop in timed:
                continue
            if hop in all_names:
                yield loc, "has no timeout; hops are clients, load balancers, services or databases", hop
            else:
                yield loc, unknown("client, load balancer, service or database", hop, timed), hop


def check_links(
    topology: Topology, config: Components, source: SourceMap, prefix: Path_ = ("topology",)
) -> None:
    """Every explicit `component:` must name a config component; all errors at once, one line each."""
    names = config.names
    errors = []
    for section, entries in sections(topology):
        for i, entry in enumerate(entries):
            if entry.component is not None and entry.component not in names:
                path: Path_ = (*prefix, section, i, "component")
                message = f"{unknown('component', entry.component, names)} (got {entry.component!r})"
                errors.append(ConfigError(message, location=source.locate(path), field=format_path(path)))
    if errors:
        raise ConfigErrors(errors)
