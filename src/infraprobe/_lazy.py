"""Lazy attribute loading for package `__init__` modules.

`import infraprobe` must stay cheap: `infraprobe logs` and `infraprobe classify` should not pay for
importing PostgreSQL drivers, TLS parsers and the analysis engine they never use (about 0.9 s of CPU).
Packages list where each public name lives; the module is imported on first attribute access.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any, TypeVar

V = TypeVar("V")


def lazy_getattr(package: str, where: Mapping[str, str]) -> Callable[[str], Any]:
    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    return __getattr__


class LazyRegistry(MutableMapping[str, V]):
    """A registry whose entries live in modules imported on first access to that entry.

    `where` maps each name, in order, to `"module:ATTRIBUTE"`. Listing the names (`in`, iteration, `len`)
    imports nothing, so `--help` and a config of one kind do not load every probe or renderer; `[name]`,
    `.values()` and `.items()` import what they touch. Entries can be replaced or added (tests do)."""

    def __init__(self, where: Mapping[str, str]) -> None:
        self._where = dict(where)
        self._loaded: dict[str, V] = {}

    def attribute(self, name: str) -> str:
        """The name of the attribute entry `name` is (its class's name, for a model), importing nothing."""
        return self._where[name].rpartition(":")[2]

    def __getitem__(self, name: str) -> V:
        if name not in self._loaded:
            module, _, attribute = self._where[name].partition(":")
            self._loaded[name] = getattr(importlib.import_module(module), attribute)
        return self._loaded[name]

    def __setitem__(self, name: str, value: V) -> None:
        self._where.setdefault(name, "")
        self._loaded[name] = value

    def __delitem__(self, name: str) -> None:
        del self._where[name]
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, name: object) -> bool:
        return name in self._where
