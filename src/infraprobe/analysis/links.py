"""Links between topology entries and config components: resolve, check, and borrow declared limits.

An entry is linked to the component it names with `component:`, or else to the component of the same
name when there is one. Links are how live facts (`--observe`) and failed checks meet the arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping

from infraprobe.analysis.references import unknown
from infraprobe.analysis.topology import Topology
from infraprobe.config.model import Config
from infraprobe.config.yamlsrc import Path_, SourceMap, format_path
from infraprobe.errors import ConfigError, ConfigErrors


def resolve_links(topology: Topology, config: Config) -> dict[str, str]:
    names = set(config.names)
    out: dict[str, str] = {}
    for entry in topology.entries():
        if entry.component is not None:
            out[entry.name] = entry.component
        elif entry.name in names:
            out[entry.name] = entry.name
    return out


def check_links(topology: Topology, config: Config, source: SourceMap, prefix: Path_ = ("topology",)) -> None:
    """Every explicit `component:` must name a config component; all errors at once, one line each."""
    names = config.names
    errors = []
    for section, entries in topology.sections():
        for i, entry in enumerate(entries):
            if entry.component is not None and entry.component not in names:
                path: Path_ = (*prefix, section, i, "component")
                message = f"{unknown('component', entry.component, names)} (got {entry.component!r})"
                errors.append(ConfigError(message, location=source.locate(path), field=format_path(path)))
    if errors:
        raise ConfigErrors(errors)


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
