"""The websocket kind's config: the URL, the handshake's headers, and the message exchange to check."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from infraprobe.config.model import ComponentBase
from infraprobe.config.types import Duration
from infraprobe.probes._url import Url
from infraprobe.probes.models.tls import TlsClient

SCHEMES = ("ws", "wss")


class WebSocketCheck(ComponentBase):
    kind: Literal["websocket"] = "websocket"
    url: str = Field(description="ws:// or wss:// URL; userinfo is sent as basic auth, never shown")
    headers: dict[str, str] = Field(default_factory=dict, description="extra handshake headers")
    origin: str | None = None
    subprotocols: tuple[str, ...] = ()
    send: str | None = Field(None, description="text message to send once connected")
    expect: str | None = Field(None, description="a received message must contain this text")
    expect_regex: str | None = Field(None, description="a received message must match this regex")
    message_timeout: Duration | None = Field(None, gt=0, description="deadline for the message phase")
    tls: TlsClient = TlsClient()

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        Url.parse(value, SCHEMES)
        return value

    @field_validator("expect_regex")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value

    def target(self) -> str:
        return Url.parse(self.url, SCHEMES).redacted
