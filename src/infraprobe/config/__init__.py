"""Config: YAML in, validated frozen models out, errors as one line naming file, line and field."""

from infraprobe.config.loader import LoadedConfig, load_config, parse_config
from infraprobe.config.model import ComponentBase, Config, Defaults

__all__ = ["ComponentBase", "Config", "Defaults", "LoadedConfig", "load_config", "parse_config"]
