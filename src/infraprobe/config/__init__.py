"""Config models: what an environment declares (components, defaults, topology), as frozen pydantic models.

This is the model layer: probes, analysis and everything above read it, and it imports none of them.
Reading a file into these models (which needs the probe registry) is `infraprobe.configfile`, one layer up.
"""

from __future__ import annotations

from infraprobe.config.model import ComponentBase, Config, Defaults

__all__ = ["ComponentBase", "Config", "Defaults"]
