"""The grpc kind's config: the server, the service whose health to ask, and request metadata."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from infraprobe.config.model import ComponentBase


class GrpcCheck(ComponentBase):
    kind: Literal["grpc"] = "grpc"
    host: str = Field(min_length=1, description="a name or an IP; names go through infraprobe's resolver")
    port: int = Field(ge=1, le=65535)
    service: str = Field("", description="the service name to check, e.g. orders.v1.Orders; '' is the server")
    metadata: dict[str, str] = Field(
        default_factory=dict, description="request metadata, e.g. authorization: Bearer ${TOKEN}"
    )

    def target(self) -> str:
        return f"{self.host}:{self.port}/{self.service or '(server)'}"
