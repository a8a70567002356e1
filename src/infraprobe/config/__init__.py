"""Config: YAML in, validated frozen models out, errors as one line naming file, line and field.

Attributes are imported on first use: probe modules import `config.model`, and the loader imports the
probe registry, so an eager `__init__` would make each import the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infraprobe._lazy import lazy_getattr

if TYPE_CHECKING:
    from infraprobe.config.loader import LoadedConfig, load_config, parse_config
    from infraprobe.config.model import ComponentBase, Config, Defaults

__getattr__ = lazy_getattr(
    __name__,
    {
        **dict.fromkeys(("LoadedConfig", "load_config", "parse_config"), "infraprobe.config.loader"),
        **dict.fromkeys(("ComponentBase", "Config", "Defaults"), "infraprobe.config.model"),
    },
)

__all__ = ["ComponentBase", "Config", "Defaults", "LoadedConfig", "load_config", "parse_config"]
