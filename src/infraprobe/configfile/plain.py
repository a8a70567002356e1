"""`config validate` without pydantic: the config models' own core schemas, run by pydantic_core alone.

Importing pydantic and its model machinery is about half of `config validate`'s start-up (about 330 of
640 million instructions, docs/benchmarks.md "Start-up of the CLI"), for a command that builds a handful of
validators and throws them away. pydantic's work for a model is to turn it into a core schema, which
pydantic_core then runs; that schema is the same on every run. `_coreschemas.py` holds it, generated from
the models by `python -m infraprobe.configfile.coreschemas_gen` (tests/config/test_coreschemas.py fails
when it differs from what the models build now), and this module runs it: the same validators in Rust, the
same Python checks (`probes/models/values.py`, `durations.parse_duration`), so the same errors in the same
order, through the same rules (`build.py`). Validated values come back as `Plain` stand-ins named as the
models are, with the same fields; no command but `config validate` reads them.

Sections (topology, validation, alerts, vantages, report) too: their models' core schemas are generated
alike, their after-validators are plain functions the models register (`config/references.py`,
`configfile/alerts_checks.py`, `configfile/validation_checks.py`), and their checks against the components
(`build.SECTIONS`) run on what either way validated.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic_core import SchemaValidator

from infraprobe.config.renamed import Renamed
from infraprobe.config.yamlsrc import load_yaml
from infraprobe.configfile.build import (
    SECTION_MODELS,
    Listed,
    Parts,
    check_sections_against,
    fields_at,
    read_config_text,
    read_parts,
)
from infraprobe.configfile.standins import Plain


class _Schema:
    """One model's generated core schema as `build.Validator`; its validator is built on first use."""

    __slots__ = ("_validator", "schema")

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self._validator: SchemaValidator | None = None

    def validate(self, data: Any) -> Any:
        if self._validator is None:
            self._validator = SchemaValidator(self.schema)
        return self._validator.validate_python(data)

    def fields_at(self, loc: tuple[Any, ...]) -> list[str]:
        return fields_at(self.schema, loc)


def schemas_fit() -> bool:
    """Whether the generated schemas are for the pydantic_core installed (pydantic >= 2.7 is allowed)."""
    import pydantic_core

    from infraprobe.configfile import _coreschemas

    return bool(pydantic_core.__version__ == _coreschemas.PYDANTIC_CORE_VERSION)


def _model_class(schema: dict[str, Any]) -> type[Plain]:
    """The stand-in class of the model `schema` validates (inside any validator around it)."""
    while schema["type"] != "model":
        schema = schema["schema"]
    cls: type[Plain] = schema["cls"]
    return cls


class PlainModels:
    """The generated schemas, for `build.read_parts`."""

    def __init__(self) -> None:
        from infraprobe.configfile import _coreschemas

        self._make = _coreschemas.SCHEMAS
        self._built: dict[str, _Schema] = {}

    def _schema(self, name: str) -> _Schema:
        if name not in self._built:
            self._built[name] = _Schema(self._make[name]())
        return self._built[name]

    def header(self) -> _Schema:
        return self._schema("ConfigHeader")

    def defaults(self) -> _Schema:
        return self._schema("Defaults")

    def no_defaults(self) -> Any:
        return self.defaults().validate({})  # the model's defaults, none validated (as model_construct)

    def kind(self, kind: str) -> _Schema:
        return self._schema(kind)

    def renamed(self, kind: str) -> Mapping[str, Renamed]:
        return _model_class(self._schema(kind).schema).RENAMED

    def section(self, name: str) -> _Schema:
        return self._schema(SECTION_MODELS.attribute(name))  # by its model's name


def check_file(path: str | Path, *, allow_missing_env: bool = False, plain: bool = True) -> Checked:
    """Validate a config file as `load_config` does, without building what only using it needs."""
    return check_text(read_config_text(path), str(path), allow_missing_env=allow_missing_env, plain=plain)


def check_text(
    text: str,
    file: str = "<config>",
    env: dict[str, str] | None = None,
    *,
    allow_missing_env: bool = False,
    plain: bool = True,
) -> Checked:
    """`check_file` of a file's text. `plain`: with the generated schemas when the installed pydantic_core
    is the one they were written for; otherwise (or when False) with the pydantic models, through the
    loader."""
    loaded = load_yaml(text, file, env)
    if not plain or not schemas_fit():
        from infraprobe.configfile.loader import load_parsed

        full = load_parsed(loaded, allow_missing_env=allow_missing_env)
        components = list(full.config.components)
        return Checked(components, dict(full.sections), full.warnings, full.deprecations)
    parts = read_parts(loaded, PlainModels(), allow_missing_env=allow_missing_env)
    check_sections_against(Listed(parts.components), parts.sections, loaded.source)
    return Checked(parts.components, parts.sections, parts.warnings, parts.deprecations)


class Checked:
    """What `config validate` says of a valid file: its components, its sections (values by name, as
    `Parts.sections`), its placeholder warnings and its deprecated field names."""

    __slots__ = ("components", "deprecations", "sections", "warnings")

    def __init__(
        self,
        components: list[Any],
        sections: Mapping[str, Any],
        warnings: tuple[str, ...],
        deprecations: tuple[str, ...],
    ) -> None:
        self.components, self.sections = components, dict(sections)
        self.warnings, self.deprecations = warnings, deprecations


__all__ = ["Checked", "Parts", "Plain", "PlainModels", "check_file", "check_text"]
