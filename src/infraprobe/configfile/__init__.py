"""Config files in, validated models out: YAML with line numbers, `${ENV}`, defaults, per-kind models from
the probe registry, the topology section and its links, errors as one line naming file, line and field.

It sits above both the probes (whose registry names the kinds) and the config models it fills in.
"""

from __future__ import annotations

from infraprobe.configfile.loader import LoadedConfig, load_config, parse_config

__all__ = ["LoadedConfig", "load_config", "parse_config"]
