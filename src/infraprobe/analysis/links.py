"""Links between topology entries and config components: resolve them and borrow declared limits.

An entry is linked to the component it names with `component:`, or else to the component of the same
name when there is one. Links are how live facts (`--observe`) and failed checks meet the arithmetic.
That every explicit link names a component is checked when the config is loaded (`config.references`).
"""

from __future__ import annotations

from collections.abc import Mapping

from infraprobe.config.model import Config
from infraprobe.config.topology import Topology


def resolve_links(topology: Topology, config: Config) -> dict[str, str]:
    names = set(config.names)
    out: dict[str, str] = {}
    for entry in topology.entries():
        if entry.component is not None:
            out[entry.name] = entry.component
        elif entry.name in names:
            out[entry.name] = entry.name
    return out


def with_path_limits(topology: Topology, config: Config, links: Mapping[str, str]) -> Topology:
    """Paths that declare no limit borrow `max_connections` from their linked `path` component."""
    limits = {c.name: getattr(c, "max_connections", None) for c in config.components if c.kind == "path"}
    paths = tuple(
        p.model_copy(update={"max_connections": limits.get(links.get(p.name, ""))})
        if p.max_connections is None
        else p
        for p in topology.paths
    )
    return topology.model_copy(update={"paths": paths})


def component_of(name: str, links: Mapping[str, str]) -> str:
    """The config component a topology name stands for (the name itself when it is not linked)."""
    return links.get(name, name)
