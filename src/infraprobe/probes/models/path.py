"""The path kind's config: a network path with no endpoint of its own, never probed."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from infraprobe.config.model import ComponentBase


class PathComponent(ComponentBase):
    kind: Literal["path"] = "path"
    max_connections: int | None = Field(None, ge=1, description="concurrent connections the path carries")

    def target(self) -> str:
        return "network path (not probed)"
