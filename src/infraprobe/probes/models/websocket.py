"""The websocket kind's config: the URL, the handshake's headers, and the message exchange to check."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from infraprobe.config.model import ComponentBase
from infraprobe.config.types import Duration
from infraprobe.probes._url import Url
from infraprobe.probes.models.tls import TlsClient
from infraprobe.probes.models.values import WEBSOCKET_SCHEMES, regex, websocket_url

SCHEMES = WEBSOCKET_SCHEMES


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

    _url = field_validator("url")(websocket_url)
    _regex = field_validator("expect_regex")(regex)

    def target(self) -> str:
        return Url.parse(self.url, SCHEMES).redacted
