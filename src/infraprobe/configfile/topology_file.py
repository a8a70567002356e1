"""`--topology FILE`: the topology kept in a file of its own (shared by several environment configs).

The file holds the section's content, either at the top level or under a `topology:` key. Errors read
exactly like those of an inline section: `file:line:col: field: message`, one line each.
"""

from __future__ import annotations

from pathlib import Path

from infraprobe.config.references import check_links
from infraprobe.config.topology import Topology
from infraprobe.config.yamlsrc import Path_, load_yaml

# The loader's builder turns pydantic errors into located ConfigErrors; reusing it keeps the messages of
# a topology file identical to those of an inline section.
from infraprobe.configfile.loader import LoadedConfig, validate_section
from infraprobe.errors import ConfigError, Location


def load_topology(path: Path, loaded: LoadedConfig) -> Topology:
    file = str(path)
    if "topology" in loaded.sections:
        raise ConfigError(
            "the config has a topology section already; use it or --topology, not both", field="--topology"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", location=Location(file)) from None
    source = load_yaml(text, file)
    data = source.data
    prefix: Path_ = ()
    if isinstance(data, dict) and list(data) == ["topology"]:
        data, prefix = data["topology"], ("topology",)
    topology = validate_section(Topology, data, source.source, prefix)
    check_links(topology, loaded.config, source.source, prefix)
    assert isinstance(topology, Topology)
    return topology
