"""Load and validate a config file into the pydantic models every command reads.

The rules (defaults, per-kind models, sections, cross-references) and their one-line errors naming file,
line and field are `build.py`'s, shared with `config validate`'s way of validating (`plain.py`); this
module hands them the pydantic models and puts `Config` together from the validated parts.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from infraprobe.config.model import Config, ConfigHeader, Defaults, Renamed
from infraprobe.config.yamlsrc import Loaded, Path_, SourceMap, load_yaml
from infraprobe.configfile.build import (
    CORE_KEYS,
    SECTION_MODELS,
    Builder,
    check_sections_against,
    fields_at,
    find_cycle,
    read_config_text,
    read_parts,
    section_secrets,
)
from infraprobe.errors import ConfigErrors
from infraprobe.probes.registry import MODELS
from infraprobe.redact import Redactor

__all__ = [
    "CORE_KEYS",
    "SECTION_MODELS",
    "LoadedConfig",
    "PydanticModels",
    "find_cycle",
    "load_config",
    "load_parsed",
    "parse_config",
    "validate_section",
]


@dataclass(frozen=True)
class LoadedConfig:
    config: Config
    redactor: Redactor
    source: SourceMap
    sections: Mapping[str, BaseModel]
    # Unset variables validated with placeholders (allow_missing_env, or outside the `only` components).
    warnings: tuple[str, ...] = ()
    # Deprecated field names, each with where it is written and what to write instead.
    deprecations: tuple[str, ...] = ()


def load_config(
    path: str | Path,
    env: dict[str, str] | None = None,
    *,
    allow_missing_env: bool = False,
    only: Collection[str] = (),
) -> LoadedConfig:
    """Load and validate. Unset `${VAR}`s are all reported at once, as errors; with `allow_missing_env`
    they become typed placeholders listed in `warnings`; with `only`, variables used by other components
    (and by sections a check does not read) are not needed, so they get placeholders silently."""
    text = read_config_text(path)
    return parse_config(text, str(path), env, allow_missing_env=allow_missing_env, only=only)


def parse_config(
    text: str,
    file: str = "<config>",
    env: dict[str, str] | None = None,
    *,
    allow_missing_env: bool = False,
    only: Collection[str] = (),
) -> LoadedConfig:
    loaded = load_yaml(text, file, env)
    return load_parsed(loaded, allow_missing_env=allow_missing_env, only=only)


def load_parsed(
    loaded: Loaded, *, allow_missing_env: bool = False, only: Collection[str] = ()
) -> LoadedConfig:
    """`parse_config` of a file whose YAML is already loaded."""
    parts = read_parts(loaded, PydanticModels(), allow_missing_env=allow_missing_env, only=only)
    # Every part is validated, each by its own model: put together without building Config's.
    config = Config.model_construct(
        **parts.header, components=tuple(parts.components), defaults=parts.defaults
    )
    check_sections_against(config, parts.sections, loaded.source)
    secrets = loaded.secrets | _declared_secrets(config) | section_secrets(parts.sections)
    return LoadedConfig(
        config, Redactor(secrets), loaded.source, parts.sections, parts.warnings, parts.deprecations
    )


class _Model:
    """A pydantic model as `build.Validator`."""

    __slots__ = ("model",)

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model

    def validate(self, data: Any) -> Any:
        return self.model.model_validate(data)

    def fields_at(self, loc: tuple[Any, ...]) -> list[str]:
        return fields_at(self.model.__pydantic_core_schema__, loc)


class PydanticModels:
    """The config's pydantic models, for `build.read_parts`."""

    def header(self) -> _Model:
        return _Model(ConfigHeader)

    def defaults(self) -> _Model:
        return _Model(Defaults)

    def no_defaults(self) -> Defaults:
        return Defaults.model_construct()

    def kind(self, kind: str) -> _Model:
        return _Model(MODELS[kind])

    def renamed(self, kind: str) -> Mapping[str, Renamed]:
        return MODELS[kind].RENAMED

    def section(self, name: str) -> _Model:
        return _Model(SECTION_MODELS[name])


def validate_section(model: type[Any], data: Any, source: SourceMap, path: Path_ = ()) -> Any:
    """Validate `data` (found at `path` in `source`) with `model`; errors read like the loader's own."""
    builder = Builder(source, PydanticModels())
    parsed = builder.model(_Model(model), data, path)
    if builder.errors or parsed is None:
        raise ConfigErrors(builder.errors)
    return parsed


def _declared_secrets(config: Config) -> set[str]:
    """Password-like values written directly in the file (not via ${ENV}) are secrets too."""
    found: set[str] = set()
    for component in config.components:
        for name in ("password", "token", "secret"):
            value = getattr(component, name, None)
            if isinstance(value, str) and value:
                found.add(value)
    return found
