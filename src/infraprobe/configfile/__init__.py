"""Config files in, validated models out: YAML with line numbers, `${ENV}`, defaults, per-kind models from
the probe registry, the topology section and its links, errors as one line naming file, line and field.

It sits above both the probes (whose registry names the kinds) and the config models it fills in. The names
load on first use (`_lazy`): `config validate` reads a file through `plain.py` without pydantic (issue 10).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infraprobe._lazy import lazy_getattr

if TYPE_CHECKING:
    from infraprobe.configfile.loader import LoadedConfig, load_config, parse_config

__getattr__ = lazy_getattr(
    __name__, dict.fromkeys(("LoadedConfig", "load_config", "parse_config"), "infraprobe.configfile.loader")
)

__all__ = ["LoadedConfig", "load_config", "parse_config"]
