"""Config models: what an environment declares (components, defaults, topology), as frozen pydantic models.

This is the model layer: probes, analysis and everything above read it, and it imports none of them.
Reading a file into these models (which needs the probe registry) is `infraprobe.configfile`, one layer up.

The names load on first use (`_lazy`): the package also holds the YAML reader (`yamlsrc`), which
`config validate` reads without pydantic (start-up, issue 10).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infraprobe._lazy import lazy_getattr

if TYPE_CHECKING:
    from infraprobe.config.model import ComponentBase, Config, Defaults

__getattr__ = lazy_getattr(
    __name__, dict.fromkeys(("ComponentBase", "Config", "Defaults"), "infraprobe.config.model")
)

__all__ = ["ComponentBase", "Config", "Defaults"]
