"""The `infraprobe` command: a thin layer over the library. Each command lives in its own module."""

from __future__ import annotations

import importlib
import os
import sys
import types
from typing import Any

# pydantic looks for plugins (the `pydantic` entry-point group) when it builds the first model, by reading
# the metadata of every installed distribution: about 2 % of `config validate`'s start-up (issue 10).
# infraprobe ships none and relies on none; a plugin would only watch the CLI validate its own config and
# results, which is not part of what the command does or prints. So the CLI (not the library) turns the
# lookup off, with pydantic's documented switch, unless the caller set it: `PYDANTIC_DISABLE_PLUGINS=`
# (empty) runs every installed plugin again. Set before any model is built, so it covers the whole run.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

# The values for which pydantic's own `get_plugins()` returns () without looking at anything.
_ALL_OFF = ("__all__", "1", "true")
_LOADER = "pydantic.plugin._loader"


class _PluginsOff(types.ModuleType):
    """Stands in for pydantic's plugin loader while every plugin is off.

    The real module imports `importlib.metadata` (with `email`, `zipfile`, `csv`...) at its top, only to
    call it in `get_plugins()`, which returns () unread when plugins are off: 62 million instructions,
    7 % of `config validate` (docs/benchmarks.md, "Start-up of the CLI"). This answers `get_plugins()`
    the same way; any other name loads the real module in its place, so a pydantic release that reads more
    from it gets the real thing, not an error."""

    def get_plugins(self) -> tuple[()]:
        return ()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # the import system probing a module (`__path__`): not pydantic's names
            raise AttributeError(name)
        if sys.modules.get(_LOADER) is self:
            del sys.modules[_LOADER]
        return getattr(importlib.import_module(_LOADER), name)


# Only before pydantic read its loader (an embedding program may have), and only when the switch says
# every plugin is off: the one case in which the real module does nothing but import.
if os.environ["PYDANTIC_DISABLE_PLUGINS"] in _ALL_OFF and _LOADER not in sys.modules:
    sys.modules[_LOADER] = _PluginsOff(_LOADER, _PluginsOff.__doc__)


def pydantic_plugins_off() -> bool:
    """Whether pydantic's plugins are all off (as the CLI sets them unless the caller says otherwise)."""
    return os.environ.get("PYDANTIC_DISABLE_PLUGINS") in _ALL_OFF
