"""Lazy attribute loading for package `__init__` modules.

`import infraprobe` must stay cheap: `infraprobe logs` and `infraprobe classify` should not pay for
importing PostgreSQL drivers, TLS parsers and the analysis engine they never use (about 0.9 s of CPU).
Packages list where each public name lives; the module is imported on first attribute access.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(package: str, where: Mapping[str, str]) -> Callable[[str], Any]:
    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    return __getattr__
