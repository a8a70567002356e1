"""The tcp kind's config: a host and port, and optionally the banner the server must send first."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from infraprobe.config.model import ComponentBase


class TcpCheck(ComponentBase):
    kind: Literal["tcp"] = "tcp"
    host: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)
    expect_banner: str | None = Field(
        None, description="text the server must send first after connecting (e.g. 'SSH-2.0')"
    )

    def target(self) -> str:
        return f"{self.host}:{self.port}"
