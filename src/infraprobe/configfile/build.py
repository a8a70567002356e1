"""A config file's YAML read into validated parts: defaults -> per-kind models -> sections -> cross-references.

Every error is a `ConfigError` naming file, line and field in one line. All errors found in one pass are
reported together, so fixing a config is not a loop of one error per run.

What validates each part is handed in (`Models`): the pydantic models (`loader.py`, for every command that
uses the config), or the same models' core schemas run by pydantic_core alone (`plain.py`, for `config
validate`: start-up, issue 10). So this module imports no pydantic, and both ways share every rule, message
and order below.
"""

from __future__ import annotations

import importlib
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from pydantic_core import ValidationError

from infraprobe._lazy import LazyRegistry
from infraprobe.config.renamed import Renamed
from infraprobe.config.yamlsrc import Loaded, Path_, SourceMap, format_path
from infraprobe.errors import ConfigError, ConfigErrors, Location
from infraprobe.inputs import MAX_CONFIG_BYTES, InputTooLarge, read_file
from infraprobe.probes.registry import MODELS
from infraprobe.redact import NO_SECRETS, Redactor, names_secret

CORE_KEYS = ("version", "environment", "defaults", "components")


class Section:
    """What one section owned by a later feature brings, each part as `"module:attribute"`, imported only
    when a file has that section (start-up of `config validate`). The functions take the validated section
    (a model, or a generated schema's stand-in), so both ways run the same code without importing the
    section's model. A plain class, not a dataclass: building one costs `config validate` ~4 M instructions."""

    __slots__ = ("check", "model", "secrets", "written_secrets")

    def __init__(self, model: str, *, check: str = "", secrets: str = "", written_secrets: str = "") -> None:
        self.model = model  # validates the section; rerun coreschemas_gen after adding one
        # (section, components, source, path) -> None: what it checks against the rest of the file once all
        # of it is valid (a name it gives of a component)
        self.check = check
        self.secrets = secrets  # (section) -> the values it holds secret
        self.written_secrets = written_secrets  # (raw section) -> the same, before validation (by position)


# Adding a section: one entry here.
SECTIONS: Mapping[str, Section] = {
    "topology": Section(
        "infraprobe.config.topology:Topology", check="infraprobe.config.references:check_links"
    ),
    "validation": Section(
        "infraprobe.configfile.validation:Validation",
        check="infraprobe.configfile.validation_refs:check_references",
    ),
    "report": Section("infraprobe.config.model:ReportSettings"),
    "alerts": Section(
        "infraprobe.configfile.alerts:AlertsSettings",
        check="infraprobe.configfile.alerts_checks:check_against",
        secrets="infraprobe.configfile.alerts_checks:secrets",
        written_secrets="infraprobe.configfile.alerts_checks:written_secrets",
    ),
    "vantages": Section("infraprobe.configfile.vantages:VantagesSettings"),
}
# The models alone, by section name, for the two ways and the schema generator.
SECTION_MODELS: LazyRegistry[type[Any]] = LazyRegistry({name: s.model for name, s in SECTIONS.items()})


def _part(where: str) -> Any:
    """A section's function, named `"module:attribute"` (imported once, then found in sys.modules)."""
    module, _, attribute = where.partition(":")
    return getattr(importlib.import_module(module), attribute)


def fields_at(schema: Mapping[str, Any], loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed where an unknown key was found, walking a model's core schema (a generated one, or
    a pydantic model's own: the same, tests/config/test_coreschemas.py) along `loc`: one walk for both."""
    fields = _fields(schema)
    for part in loc[:-1]:
        if isinstance(part, int) or fields is None:
            continue
        field = fields.get(part)
        fields = _fields(field["schema"]) if field is not None else None
    return list(fields) if fields is not None else []


def _fields(schema: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The fields of the first model inside `schema` (through defaults, nullables, validators, unions, the
    items of a tuple, the values of a dict)."""
    if schema.get("type") == "model-fields":
        fields: Mapping[str, Any] = schema["fields"]
        return fields
    inner: list[Any] = []
    for key in ("schema", "keys_schema", "values_schema", "items_schema", "choices"):
        value = schema.get(key)
        inner += value if isinstance(value, list | tuple) else [value]
    for candidate in inner:
        found = _fields(candidate) if isinstance(candidate, dict) else None
        if found is not None:
            return found
    return None


class Validator(Protocol):
    """One model: validates data (pydantic_core's ValidationError when it is wrong) and names the keys
    allowed where an unknown key was found (`loc` is the error's location inside the model)."""

    def validate(self, data: Any) -> Any: ...

    def fields_at(self, loc: tuple[Any, ...]) -> list[str]: ...


class Models(Protocol):
    """What validates each part of a file."""

    def header(self) -> Validator: ...

    def defaults(self) -> Validator: ...

    def no_defaults(self) -> Any:
        """The `defaults` of a file without any (the model's own values, nothing validated)."""
        ...

    def kind(self, kind: str) -> Validator: ...

    def renamed(self, kind: str) -> Mapping[str, Renamed]:
        """The kind's deprecated field names (`ComponentBase.RENAMED`)."""
        ...

    def section(self, name: str) -> Validator: ...


class Parts:
    """A file's validated parts. `header` holds only the top-level fields the file sets; `warnings` the
    placeholders of unset variables, `deprecations` the deprecated field names (each with where it is
    written and what to write instead)."""

    __slots__ = ("components", "defaults", "deprecations", "header", "sections", "warnings")

    def __init__(
        self, header: dict[str, Any], defaults: Any, components: list[Any], sections: dict[str, Any]
    ) -> None:
        self.header, self.defaults, self.components, self.sections = header, defaults, components, sections
        self.warnings: tuple[str, ...] = ()
        self.deprecations: tuple[str, ...] = ()


def read_config_text(path: str | Path) -> str:
    """The file's text; a file that cannot be read is a one-line ConfigError naming it."""
    file = str(path)
    try:
        return read_file(path, MAX_CONFIG_BYTES, "the config").decode("utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found", location=Location(file)) from None
    except (InputTooLarge, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", location=Location(file)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", location=Location(file)) from None


def read_parts(
    loaded: Loaded,
    models: Models,
    *,
    allow_missing_env: bool = False,
    only: Collection[str] = (),
) -> Parts:
    """The file's validated parts from its YAML (`yamlsrc.load_yaml`). Unset `${VAR}`s are all reported
    at once, as errors, unless `allow_missing_env` or `only` makes them placeholders."""
    missing = [m for m in loaded.missing if _needed(m.path, loaded.data, only)]
    if missing and not allow_missing_env:
        raise ConfigErrors([m.error() for m in missing])
    written = _written_secrets(loaded.data) | _section_written_secrets(loaded.data)
    builder = Builder(loaded.source, models, Redactor(loaded.secrets | written))
    parts = builder.build(loaded.data)
    parts.warnings = tuple(m.warning() for m in missing)
    parts.deprecations = tuple(builder.deprecations)
    return parts


class Listed:
    """A file's validated components, as a section's check against them reads them (`Config`'s
    `components` and `names`)."""

    __slots__ = ("components",)

    def __init__(self, components: Sequence[Any]) -> None:
        self.components = components

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.components]


def check_sections_against(components: Any, sections: Mapping[str, Any], source: SourceMap) -> None:
    """Checks that span sections (a topology entry naming a component) run once all parts are valid;
    the first section with errors raises them all (ConfigErrors). `components`: `Config` or `Listed`."""
    for name, section in sections.items():
        if name in SECTIONS and SECTIONS[name].check:
            _part(SECTIONS[name].check)(section, components, source, (name,))


def section_secrets(sections: Mapping[str, Any]) -> set[str]:
    """Every value the validated sections hold secret."""
    found: set[str] = set()
    for name, section in sections.items():
        if name in SECTIONS and SECTIONS[name].secrets:
            found |= _part(SECTIONS[name].secrets)(section)
    return found


def _needed(path: Path_, data: Any, only: Collection[str]) -> bool:
    """Whether a value is used when checking only the `only` components (all of them when empty)."""
    if not only:
        return True
    if path[:1] in (("defaults",), ("version",), ("environment",)):
        return True
    if path[:1] != ("components",) or len(path) < 2 or not isinstance(data, dict):
        return False
    items = data.get("components")
    item = items[path[1]] if isinstance(items, list) and isinstance(path[1], int) else None
    return isinstance(item, dict) and item.get("name") in only


class Builder:
    """Validates a file's parts in one pass, gathering every error (`errors`) and deprecated name rather
    than stopping at the first; `build` raises them all together."""

    def __init__(self, source: SourceMap, models: Models, redactor: Redactor = NO_SECRETS) -> None:
        self.source = source
        self.models = models
        self.errors: list[ConfigError] = []
        self.deprecations: list[str] = []
        self.redactor = redactor  # error lines quote the value they reject: masked like any output

    def build(self, data: Any) -> Parts:
        if not isinstance(data, dict):
            raise ConfigError(
                "the top level must be a mapping with a `components` list", location=self.source.locate(())
            )
        self._check_top_keys(data)
        defaults = self._defaults(data)
        components = self._components(data.get("components"), defaults)
        sections = self._sections(data)
        self._check_references(components)
        if self.errors:
            raise ConfigErrors(self.errors)
        top = {k: data[k] for k in ("version", "environment") if k in data}
        header = self.model(self.models.header(), top, ())
        if header is None:
            raise ConfigErrors(self.errors)
        return Parts({k: getattr(header, k) for k in top}, defaults, components, sections)

    def _defaults(self, data: dict[str, Any]) -> Any:
        """The file's `defaults`, validated; without one, the model's own defaults (nothing to validate)."""
        if "defaults" not in data:
            return self.models.no_defaults()
        return (
            self.model(self.models.defaults(), data["defaults"], ("defaults",)) or self.models.no_defaults()
        )

    def _check_top_keys(self, data: dict[str, Any]) -> None:
        allowed = (*CORE_KEYS, *SECTION_MODELS)
        for key in data:
            if key not in allowed:
                self._add(f"unknown key{_suggest(key, allowed)}", (key,), key=True)

    def _components(self, raw: Any, defaults: Any) -> list[Any]:
        if raw is None:
            self._add("missing required field (a list of components)", ("components",))
            return []
        if not isinstance(raw, list):
            self._add("must be a list of components", ("components",))
            return []
        built = [self._component(item, i, defaults) for i, item in enumerate(raw)]
        return [c for c in built if c is not None]

    def _component(self, item: Any, index: int, defaults: Any) -> Any:
        path: Path_ = ("components", index)
        if not isinstance(item, dict):
            self._add("each component must be a mapping with name and kind", path)
            return None
        kind = item.get("kind")
        if not isinstance(kind, str) or kind not in MODELS:
            got = "missing" if kind is None else f"unknown kind {kind!r}"
            self._add(f"{got}; expected one of: {', '.join(MODELS)}", (*path, "kind") if kind else path)
            return None
        if not self._renamed(self.models.renamed(kind), item, path):
            return None
        # The fields as they are (plain values: the same as model_dump's, without building a serializer).
        merged = {**{k: v for k, v in defaults if v is not None}, **item}
        return self.model(self.models.kind(kind), merged, path)

    def _renamed(self, renamed: Mapping[str, Renamed], item: dict[str, Any], path: Path_) -> bool:
        """Warn at each deprecated field name; an error (False) when the new name is given as well."""
        ok = True
        for old in renamed.keys() & item.keys():
            new = renamed[old]
            if new.new in item:
                self._add(new.both(old), (*path, old), key=True)
                ok = False
                continue
            location = self.source.locate((*path, old), key=True)
            message = f"deprecated; write `{new.replacement(item[old])}` instead"
            self.deprecations.append(
                ConfigError(message, location=location, field=format_path((*path, old))).one_line()
            )
        return ok

    def _sections(self, data: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in SECTION_MODELS:
            if name in data:
                parsed = self.model(self.models.section(name), data[name], (name,))
                if parsed is not None:
                    out[name] = parsed
        return out

    def model(self, model: Validator, data: Any, path: Path_) -> Any:
        """`data` validated by `model`, or None with every error it found recorded (at `path`)."""
        try:
            return model.validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                self._pydantic_error(err, path, model)
            return None

    def _pydantic_error(self, err: Any, path: Path_, model: Validator) -> None:
        loc: Path_ = (*path, *err["loc"])
        if err["type"] == "extra_forbidden":
            known = model.fields_at(err["loc"])
            self._add(f"unknown key{_suggest(str(err['loc'][-1]), known)}", loc, key=True)
        elif err["type"] == "missing":
            self._add("missing required field", loc)
        else:
            self._add(_clean_message(err, self.redactor), loc)

    def _check_references(self, components: list[Any]) -> None:
        index = {c.name: i for i, c in enumerate(components)}
        seen: set[str] = set()
        for i, c in enumerate(components):
            if c.name in seen:
                self._add(f"duplicate component name {c.name!r}", ("components", i, "name"))
            seen.add(c.name)
            for j, dep in enumerate(c.depends_on):
                if dep not in index:
                    self._add(
                        f"unknown component{_suggest(dep, list(index))}",
                        ("components", i, "depends_on", j),
                    )
        if not self.errors:
            self._check_cycles(components, index)

    def _check_cycles(self, components: list[Any], index: dict[str, int]) -> None:
        graph = {c.name: c.depends_on for c in components}
        cycle = find_cycle(graph)
        if cycle:
            self._add(
                f"dependency cycle: {' -> '.join(cycle)}", ("components", index[cycle[0]], "depends_on")
            )

    def _add(self, message: str, path: Path_, *, key: bool = False) -> None:
        location = self.source.locate(path, key=key)
        self.errors.append(ConfigError(message, location=location, field=format_path(path)))


def find_cycle(graph: Mapping[str, tuple[str, ...]]) -> list[str]:
    """One dependency cycle as a path that ends where it starts, or [] when the graph is acyclic."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for dep in graph.get(node, ()):
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep not in state and (found := visit(dep)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in graph:
        if node not in state and (found := visit(node)):
            return found
    return []


def _suggest(word: str, candidates: Any) -> str:
    import difflib  # only a config with a typo needs it: not on the start-up of a valid one (issue 10)

    close = difflib.get_close_matches(word, [str(c) for c in candidates], n=1)
    return f" {word!r}; did you mean {close[0]!r}?" if close else f" {word!r}"


def _clean_message(err: Any, redactor: Redactor) -> str:
    msg = redactor(str(err["msg"]).removeprefix("Value error, "))
    if "input" in err and err["type"] not in ("missing",) and not isinstance(err["input"], dict | list):
        key = next((str(part) for part in reversed(err["loc"]) if isinstance(part, str)), "")
        return f"{msg} (got {redactor.value(err['input'], key)!r})"
    return msg


def _written_secrets(data: Any) -> set[str]:
    """Values under secret-naming keys anywhere in the raw file, so an error about them cannot echo them."""
    if isinstance(data, dict):
        found = {v for k, v in data.items() if names_secret(str(k)) and isinstance(v, str)}
        return found.union(*(_written_secrets(v) for v in data.values()))
    if isinstance(data, list):
        return set().union(*(_written_secrets(v) for v in data))
    return set()


def _section_written_secrets(data: Any) -> set[str]:
    """Secrets a section knows by position rather than by key name (a webhook URL), from the raw file."""
    if not isinstance(data, dict):
        return set()
    found: set[str] = set()
    for name, spec in SECTIONS.items():
        if name in data and spec.written_secrets:
            found |= _part(spec.written_secrets)(data[name])
    return found
