"""The http kind's config: the request to send and what its response must show."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from infraprobe.config.model import ComponentBase
from infraprobe.probes._httpexpect import HttpExpect
from infraprobe.probes._url import Url
from infraprobe.probes.models.tls import TlsClient
from infraprobe.probes.wire.http1_parse import header_allowed

MiB = 1024 * 1024
Method = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class HttpCheck(ComponentBase):
    kind: Literal["http"] = "http"
    url: str = Field(description="http:// or https:// URL; userinfo is sent as basic auth, never shown")
    method: Method = "GET"
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None
    expect: HttpExpect = HttpExpect()
    follow_redirects: bool = False
    max_redirects: int = Field(5, ge=0, le=20)
    max_body_bytes: int = Field(MiB, ge=0, le=64 * MiB, description="read at most this much of the body")
    tls: TlsClient = TlsClient()

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        Url.parse(value)
        return value

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():  # the value is never echoed: headers carry API keys
            if not header_allowed(name, text):
                raise ValueError(
                    f"header {name!r} cannot be sent: a header name must be a token, its value one line of text"
                )
        return value

    def target(self) -> str:
        return Url.parse(self.url).redacted
