"""path: a network path with no endpoint of its own (a VPC connector, a NAT gateway).

It is never probed; it exists so components can depend on it and analysis can suspect it when everything
behind it fails with network causes.
"""

from __future__ import annotations

from infraprobe.probes.base import ProbeSpec
from infraprobe.probes.models.path import PathComponent
from infraprobe.taxonomy import Component

SPEC = ProbeSpec("path", PathComponent, None, Component.OTHER, "a network path with no endpoint (not probed)")
