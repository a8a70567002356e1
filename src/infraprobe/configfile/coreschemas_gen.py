"""Writes `_coreschemas.py`: the core schema pydantic builds for each config model (the header, `defaults`,
each component kind, each section), as Python source that needs no pydantic (see `plain.py`).

    .venv/bin/python -m infraprobe.configfile.coreschemas_gen      # after changing a config model

tests/config/test_coreschemas.py compares the written schemas with what the models build now (`canonical`),
so a model changed without rewriting the file fails there, never silently in `config validate`.

What a schema may hold: plain values; a model class (as its stand-in, by name); a model instance as a
default; `dict` or a model class as a default factory (the latter as `standins.Factory`); an enum of a
module that does not import pydantic, and its members; a function defined at the top of a module that does
not import pydantic (the checks in `probes/models/values.py`, `durations.parse_duration`, a section's
checks module); pydantic's own bound check for a bound it cannot put in the schema (as `standins.Bound`).
Anything else stops the generator with what it met and where: a validator written as a method must become
a function in `values.py` (or the section's checks module: docs/probes/README.md).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any

import pydantic_core
from pydantic import BaseModel

from infraprobe.config.model import ConfigHeader, Defaults
from infraprobe.config.renamed import Renamed
from infraprobe.configfile.build import SECTION_MODELS
from infraprobe.configfile.standins import Bound, Factory, Plain
from infraprobe.probes.registry import MODELS

TARGET = Path(__file__).with_name("_coreschemas.py")
# Keys that only pydantic reads (JSON Schema hints, bound methods among them) or that differ run to run
# (`ref` ends in an id): the validators never use them, as no schema here refers to another by `ref`.
_DROPPED = ("metadata", "ref")
_BOUNDS = {
    "greater_than_validator": "gt",
    "greater_than_or_equal_validator": "ge",
    "less_than_validator": "lt",
    "less_than_or_equal_validator": "le",
}


class Ref(tuple[Any, ...]):
    """A reference in a canonical schema (a class, a default instance, a function), not a plain tuple."""


def models() -> dict[str, type[BaseModel]]:
    """Every model written, by the name `plain.PlainModels` asks for: the header, defaults, each kind, each
    section (by its model's name)."""
    sections = {SECTION_MODELS.attribute(name): SECTION_MODELS[name] for name in SECTION_MODELS}
    return {
        "ConfigHeader": ConfigHeader,
        "Defaults": Defaults,
        **{kind: MODELS[kind] for kind in MODELS},
        **sections,
    }


def core_schema(model: type[BaseModel]) -> dict[str, Any]:
    model.model_rebuild()  # the models are `defer_build`
    schema: dict[str, Any] = dict(model.__pydantic_core_schema__)
    return schema


def canonical(value: Any, where: str = "") -> Any:
    """A schema with its references named: comparable between a model's and `_coreschemas.py`'s."""
    if isinstance(value, dict):
        if value.get("type") in ("definitions", "definition-ref"):
            raise ValueError(f"{where}: a schema referring to another ({value['type']}) is not supported")
        # A model's `fields` are named by the model (a field may be called `metadata`): none dropped there.
        keep = where.endswith(".fields")
        return {
            k: _factory(v, f"{where}.{k}") if k == "default_factory" else canonical(v, f"{where}.{k}")
            for k, v in value.items()
            if keep or k not in _DROPPED
        }
    if isinstance(value, list | tuple):
        items = [canonical(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, Enum):  # before str: a StrEnum's member is a str
        return Ref(("member", type(value).__module__, type(value).__qualname__, value.name))
    if isinstance(value, str | int | float | bool | None):
        return value
    if isinstance(value, type):
        return _class(value, where)
    if isinstance(value, BaseModel | Plain):
        return Ref(("default", type(value).__name__, canonical(dict(value), where)))
    if isinstance(value, Renamed):
        return Ref(("renamed", value.new, canonical(dict(value.values), where)))
    return _callable(value, where)


def _factory(value: Any, where: str) -> Any:
    """A field's default factory: a model class (`retry: Retry = Field(default_factory=Retry)`) makes the
    model's defaults, written as `standins.Factory` of those values."""
    if isinstance(value, type) and issubclass(value, BaseModel):
        return Ref(("factory", value.__name__, canonical(dict(value()), where)))
    if isinstance(value, Factory):
        return Ref(("factory", value.name, canonical(dict(value.values), where)))
    return canonical(value, where)


def _class(value: type, where: str) -> Any:
    if value is dict:
        return Ref(("type", "dict"))
    if issubclass(value, Enum):  # a module's enum (taxonomy.Cause), imported by name
        return Ref(("function", value.__module__, value.__qualname__))
    if issubclass(value, BaseModel | Plain):  # with its deprecated field names (ComponentBase.RENAMED)
        return Ref(("model", value.__name__, canonical(dict(getattr(value, "RENAMED", {})), where)))
    raise ValueError(f"{where}: class {value!r} is not supported")


def _callable(value: Any, where: str) -> Any:
    if isinstance(value, Bound):
        return Ref(("bound", *value.check))
    if isinstance(value, functools.partial) and value.func.__name__ in _BOUNDS and len(value.keywords) == 1:
        kind = _BOUNDS[value.func.__name__]
        if value.func.__module__ == "pydantic._internal._validators" and kind in value.keywords:
            return Ref(("bound", kind, value.keywords[kind]))
    qualname = getattr(value, "__qualname__", "")
    if callable(value) and "." not in qualname and not qualname.startswith("<"):
        return Ref(("function", value.__module__, qualname))
    raise ValueError(
        f"{where}: {value!r} is not a module-level function (move it to probes/models/values.py)"
    )


def _source(value: Any, imports: set[tuple[str, str]], shared: dict[str, str] | None = None) -> str:
    """`value` (canonical) as a Python expression; the functions it names are added to `imports`. A model
    field whose text is in `shared` becomes a call of the function written for it there."""
    if isinstance(value, dict):
        if shared and value.get("type") == "model-field":
            text = _source(value, set())
            if text in shared:
                return f"{shared[text]}()"
        if _is_strict_model(value):
            _, name, renamed = value["cls"]
            fields = _source(value["schema"]["fields"], imports, shared)
            extra = f", {_source(renamed, imports)}" if renamed else ""
            return f"model({name!r}, {fields}{extra})"
        return "{" + ", ".join(f"{k!r}: {_source(v, imports, shared)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_source(v, imports, shared) for v in value) + "]"
    if isinstance(value, Ref):
        return _reference(value, imports)
    if isinstance(value, tuple):
        return "(" + "".join(f"{_source(v, imports, shared)}, " for v in value) + ")"
    return repr(value)


def _is_strict_model(value: dict[str, Any]) -> bool:
    """Whether `value` (canonical) is the schema `standins.model` writes: a model of fields, unknown keys
    forbidden."""
    cls, inner = value.get("cls"), value.get("schema")
    if value.get("type") != "model" or not isinstance(cls, Ref) or not isinstance(inner, dict):
        return False
    name = cls[1]
    fields = {
        "type": "model-fields",
        "fields": inner.get("fields"),
        "model_name": name,
        "computed_fields": [],
    }
    config = {"extra_fields_behavior": "forbid", "title": name}
    return value == {
        "type": "model", "cls": cls, "schema": fields, "custom_init": False, "root_model": False, "config": config
    }  # fmt: skip


def _reference(value: tuple[Any, ...], imports: set[tuple[str, str]]) -> str:
    kind, *rest = value
    if kind == "type":
        return str(rest[0])
    if kind == "model":
        renamed = f", {_source(rest[1], imports)}" if rest[1] else ""
        return f"stand_in({rest[0]!r}{renamed})"
    if kind == "renamed":
        imports.add(("infraprobe.config.renamed", "Renamed"))
        return f"Renamed({rest[0]!r}, {_source(rest[1], imports)})"
    if kind == "default":
        return f"default({rest[0]!r}, {_source(rest[1], imports)})"
    if kind == "bound":
        return f"Bound({rest[0]!r}, {rest[1]!r})"
    if kind == "factory":
        return f"Factory({rest[0]!r}, {_source(rest[1], imports)})"
    if kind == "member":
        module, cls, name = rest
        imports.add((module, cls))
        return f"{cls}.{name}"
    module, name = rest
    imports.add((module, name))
    return str(name)


def _fields(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (name, model field) in a canonical schema, nested models' included."""
    if isinstance(value, dict):
        if value.get("type") == "model-fields":
            yield from value["fields"].items()
        for v in value.values():
            yield from _fields(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _fields(v)


def _section_names() -> set[str]:
    return {SECTION_MODELS.attribute(name) for name in SECTION_MODELS}


def _local(imports: set[tuple[str, str]]) -> str:
    return "".join(f"    from {module} import {name}\n" for module, name in sorted(imports))


Imports = set[tuple[str, str]]  # (module, name) pairs a function of the module uses


def render() -> str:
    """The whole module's text (unformatted; `main` runs ruff format over it). A field several models have
    alike (ComponentBase's, in every kind) is written once, as a function each schema calls."""
    schemas = {name: canonical(core_schema(model), name) for name, model in models().items()}
    users, values = _field_users(schemas)
    alike = [text for text, fields in users.items() if len(fields) > 1]
    shared = {text: f"_field{i}" for i, text in enumerate(alike)}
    core = _core_imports(schemas)
    imports: Imports = set()
    helpers = []
    for text, name in shared.items():
        inner = {t: n for t, n in shared.items() if t != text}
        comment = f"  # {', '.join(dict.fromkeys(users[text]))}"
        helpers.append(_function(name, values[text], inner, core, imports, comment))
    bodies = [_function(f"_{name}", schema, shared, core, imports) for name, schema in schemas.items()]
    _refuse_clashes(imports)
    return _module(core, helpers, bodies)


def _refuse_clashes(imports: Imports) -> None:
    """Functions are imported by name into one module: of two of the same name, one would silently stand
    for the other."""
    names = [name for _, name in imports]
    clash = sorted({f"{m}.{n}" for m, n in imports if names.count(n) > 1})
    if clash:
        raise ValueError(f"functions of the same name: {', '.join(clash)}; rename one")


def _field_users(schemas: dict[str, Any]) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """Each model field's text -> the names of the fields written so, and -> its canonical value."""
    users: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for schema in schemas.values():
        for field, value in _fields(schema):
            text = _source(value, set())
            users.setdefault(text, []).append(field)
            values[text] = value
    return users, values


def _core_imports(schemas: dict[str, Any]) -> Imports:
    """What a file without sections calls, imported at the top. A function only a section's schema calls
    (its checks, their modules' imports) is imported where it is used, so such a file does not load it."""
    core: Imports = set()
    for name, schema in schemas.items():
        if name not in _section_names():
            _source(schema, core)
    return core


def _function(
    name: str, value: Any, shared: dict[str, str], core: Imports, imports: Imports, comment: str = ""
) -> str:
    """`def name()` returning `value`'s source; what it uses beyond `core` imported in it (all into `imports`)."""
    own: Imports = set()
    body = _source(value, own, shared)
    imports |= own
    return f"def {name}() -> dict[str, Any]:{comment}\n{_local(own - core)}    return {body}\n"


def _module(core: Imports, helpers: list[str], bodies: list[str]) -> str:
    """The module's text: its imports, the shared fields' functions, one function per model, the table."""
    lines = [
        '"""The config models\' core schemas, run by pydantic_core alone for `config validate` (see plain.py).',
        "",
        "GENERATED by `python -m infraprobe.configfile.coreschemas_gen` from the models: do not edit.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from collections.abc import Callable",
        "from typing import Any",
        "",
        "from infraprobe.configfile.standins import Bound, Factory, default, model, stand_in",
        *(f"from {module} import {name}" for module, name in sorted(core)),
        "",
        "",
        *helpers,
        *bodies,
        "",
        "# The pydantic_core these schemas were written for (pydantic pins its own): another one may read a",
        "# schema differently, so `plain.check_text` then validates with the models.",
        f"PYDANTIC_CORE_VERSION = {pydantic_core.__version__!r}",
        "",
        "SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {",
        *(f"    {name!r}: _{name}," for name in models()),
        "}",
        "",
        "__all__ = ['PYDANTIC_CORE_VERSION', 'SCHEMAS']",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    TARGET.write_text(render())
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff:  # the project's style, as `./dev test` checks it
        subprocess.run([ruff, "check", "--fix", "-q", str(TARGET)], check=False)
        subprocess.run([ruff, "format", "-q", str(TARGET)], check=True)
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
