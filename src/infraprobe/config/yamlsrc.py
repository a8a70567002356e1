"""YAML loading that remembers where every value came from.

PyYAML's composed node tree carries line numbers; we build plain Python data from it and keep a map from
each value's path (`("components", 2, "timeout")`) to its position, so a validation error can name the file,
line and field. Duplicate keys are rejected: YAML would silently keep the last one, and a duplicated
`password:` or `timeout:` is exactly the kind of mistake a config check exists to catch.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from infraprobe.config._yaml import yaml
from infraprobe.errors import ConfigError, Location

Path_ = tuple[str | int, ...]

MAX_VALUES = 100_000
MAX_DEPTH = 64  # a real config nests about six levels; PyYAML's composer recurses once per level
# The tags a config may use: YAML's own core types. Anything else (`!secret`, `!!python/...`) is refused
# by name, never by echoing the value it was on.
_CORE_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
)


class _Loader(yaml.SafeLoader):
    """SafeLoader with a nesting limit: deep nesting is refused with a position, not a RecursionError."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep", mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_ENV = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


@dataclass
class SourceMap:
    file: str
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Path_, *, key: bool = False) -> Location:
        """The position of `path` (its key when `key`), or of its nearest ancestor that has one."""
        if key and path in self.key_positions:
            line, column = self.key_positions[path]
            return Location(self.file, line, column)
        for cut in range(len(path), -1, -1):
            pos = self.positions.get(path[:cut])
            if pos is not None:
                return Location(self.file, pos[0], pos[1])
        return Location(self.file)


@dataclass(frozen=True, slots=True)
class MissingEnv:
    """An unset `${VAR}` (with no `:-default`), and where: the loader decides whether it is an error."""

    name: str
    path: Path_
    location: Location
    placeholder: str

    def error(self) -> ConfigError:
        return ConfigError(
            f"environment variable {self.name} is not set",
            location=self.location,
            field=format_path(self.path),
        )

    def warning(self) -> str:
        return f"{self.error().one_line()}; validated with the placeholder {self.placeholder!r}"


@dataclass
class Loaded:
    data: Any
    source: SourceMap
    secrets: set[str]
    missing: list[MissingEnv] = field(default_factory=list)


def load_yaml(text: str, file: str, env: dict[str, str] | None = None) -> Loaded:
    env = dict(os.environ) if env is None else env
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        raise ConfigError(f"invalid YAML: {exc.problem or exc.context}", location=loc) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        reason = f"{exc.reason} (character {exc.character!r})"
        raise ConfigError(f"invalid YAML: {reason}", location=Location(file, line, column)) from None
    except yaml.YAMLError as exc:
        message = " ".join(str(exc).split())  # one line, whatever PyYAML wrote
        raise ConfigError(f"invalid YAML: {message}", location=Location(file)) from None
    builder = _Builder(SourceMap(file), env)
    data = builder.build(root, ()) if root is not None else {}
    return Loaded(data, builder.source, builder.secrets, builder.missing)


class _Builder:
    def __init__(self, source: SourceMap, env: dict[str, str]) -> None:
        self.source = source
        self.env = env
        self.secrets: set[str] = set()
        self.missing: list[MissingEnv] = []
        self._constructor = yaml.constructor.SafeConstructor()
        self._budget = MAX_VALUES
        self._built: set[int] = set()  # ids of nodes built once: meeting one again is an alias expanding

    def build(self, node: yaml.Node, path: Path_) -> Any:
        if node.tag not in _CORE_TAGS and node.tag != "tag:yaml.org,2002:merge":
            raise self._error(f"unsupported YAML tag {node.tag!r}; write the plain value", node, path)
        # Aliases are shared nodes that expand on every use: a few lines can expand exponentially
        # ("billion laughs"). Only re-expansions count: values written out are bounded by the file's size,
        # so a config of 20,000 components is not mistaken for an alias bomb.
        if id(node) in self._built:
            self._budget -= 1
        self._built.add(id(node))
        if self._budget < 0:
            raise self._error(f"more than {MAX_VALUES} values once YAML aliases are expanded", node, path)
        self.source.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self._error("mapping keys must be plain names, not lists or mappings", key_node, path)
            key = key_node.value
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self._error("YAML merge keys (<<) are not supported; repeat the values", key_node, path)
            self.source.key_positions[(*path, key)] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
            if key in out:
                raise self._error(f"duplicate key {key!r}", key_node, (*path, key))
            out[key] = self.build(value_node, (*path, key))
        return out

    def _scalar(self, node: yaml.Node, path: Path_) -> Any:
        try:
            value = self._constructor.construct_object(node, deep=True)
        except Exception:  # PyYAML raises IndexError, KeyError, ValueError... on bad values: all one verdict
            # `!!int abc`, `!!bool maybe`, `!!timestamp 2024-13-01`: named by tag; the value may be a secret.
            raise self._error(f"not a valid {_short_tag(node.tag)}", node, path) from None
        if not isinstance(value, str) or "${" not in value:
            return value
        return self._interpolate(value, node, path)

    def _interpolate(self, value: str, node: yaml.Node, path: Path_) -> str:
        def substitute(m: re.Match[str]) -> str:
            name, default = m["name"], m["default"]
            if name in self.env:
                secret = self.env[name]
            elif default is not None:
                secret = default
            else:
                return self._missing(m, node, path)
            if _may_be_secret(secret, path):
                self.secrets.add(secret)
            return secret

        return _ENV.sub(substitute, value)

    def _missing(self, m: re.Match[str], node: yaml.Node, path: Path_) -> str:
        """Every unset variable is recorded (all are reported at once) and replaced by a typed placeholder."""
        placeholder = placeholder_for(m, path)
        loc = Location(self.source.file, node.start_mark.line + 1, node.start_mark.column + 1)
        self.missing.append(MissingEnv(m["name"], path, loc, placeholder))
        return placeholder

    def _error(self, message: str, node: yaml.Node, path: Path_) -> ConfigError:
        loc = Location(self.source.file, node.start_mark.line + 1, node.start_mark.column + 1)
        return ConfigError(message, location=loc, field=format_path(path))


# Fields whose interpolated values locate things rather than unlock them. Everything else taken from the
# environment is treated as secret, since that is where secrets live; masking a port number would only
# make error messages useless.
_LOCATOR_KEYS = frozenset(
    {
        "host",
        "port",
        "ca_file",
        "client_cert",
        "server_name",
        "nameserver",
        "database",
        "db",
        "user",
        "username",
    }
)


# Placeholders that pass the field's own validation, so the rest of the config is still checked.
_WHOLE_VALUE_PLACEHOLDERS = {
    "port": "1",
    "db": "0",
    "url": "http://placeholder.invalid/",
    "dsn": "postgresql://placeholder.invalid/placeholder",
    "host": "placeholder.invalid",
    "server_name": "placeholder.invalid",
    "nameserver": "127.0.0.1",
}


def placeholder_for(m: re.Match[str], path: Path_) -> str:
    """A value of the right shape for where `${VAR}` sits: the field's type when it is the whole value,
    a port after `host:` inside a URL, else a plain word (valid as a host, user or password)."""
    whole = m.start() == 0 and m.end() == len(m.string)
    key = str(path[-1]) if path else ""
    if whole:
        return _WHOLE_VALUE_PLACEHOLDERS.get(key, "placeholder")
    before, after = m.string[: m.start()], m.string[m.end() :]
    if (
        before.endswith(":")
        and not before.endswith("//")
        and (after[:1] in ("", "/", "?") or after.startswith(","))
    ):
        return "1"
    return "placeholder"


def _may_be_secret(value: str, path: Path_) -> bool:
    key = path[-1] if path else ""
    return bool(value) and not value.isdigit() and key not in _LOCATOR_KEYS


def _short_tag(tag: str) -> str:
    return tag.rsplit(":", 1)[-1]


def format_path(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
