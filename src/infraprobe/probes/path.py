"""path: a network path with no endpoint of its own (a VPC connector, a NAT gateway).

It is never probed; it exists so components can depend on it and analysis can suspect it when everything
behind it fails with network causes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from infraprobe.config.model import ComponentBase
from infraprobe.probes.base import ProbeSpec
from infraprobe.taxonomy import Component


class PathComponent(ComponentBase):
    kind: Literal["path"] = "path"
    max_connections: int | None = Field(None, ge=1, description="concurrent connections the path carries")

    def target(self) -> str:
        return "network path (not probed)"


SPEC = ProbeSpec("path", PathComponent, None, Component.OTHER, "a network path with no endpoint (not probed)")
