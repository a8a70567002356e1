"""The http kind's config: the request to send and what its response must show."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from infraprobe.config.model import ComponentBase
from infraprobe.probes._httpexpect import HttpExpect
from infraprobe.probes._url import Url
from infraprobe.probes.models.tls import TlsClient
from infraprobe.probes.models.values import http_headers, http_url

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

    _url = field_validator("url")(http_url)
    _headers = field_validator("headers")(http_headers)

    def target(self) -> str:
        return Url.parse(self.url).redacted
