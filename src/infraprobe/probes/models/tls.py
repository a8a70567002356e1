"""The tls kind's config, and the TLS client options the tls, http and websocket kinds share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from infraprobe.config.model import ComponentBase, Strict

if TYPE_CHECKING:
    from infraprobe.net import TlsOptions

DEFAULT_MIN_DAYS = 14


class TlsClient(Strict):
    """TLS client options, shared by the tls, http and websocket checks."""

    verify: bool = Field(True, description="verify the chain and the name (false: still report facts)")
    ca_file: str | None = Field(None, description="PEM file of CAs to trust instead of the system store")
    server_name: str | None = Field(
        None, min_length=1, description="SNI and the name to verify; defaults to the host connected to"
    )
    client_cert: str | None = Field(None, description="PEM client certificate, for mutual TLS")
    client_key: str | None = None

    def options(self) -> TlsOptions:
        # Imported here: infraprobe.net brings asyncio and ssl, which validating a config never needs.
        from infraprobe.net import TlsOptions

        return TlsOptions(self.verify, self.ca_file, self.client_cert, self.client_key)


class TlsCheck(ComponentBase, TlsClient):
    kind: Literal["tls"] = "tls"
    host: str = Field(min_length=1, description="host (name or IP) to connect to")
    port: int = Field(443, ge=1, le=65535)
    require_names: tuple[str, ...] = Field(
        (), description="names the certificate must cover (default: server_name, when set)"
    )
    min_days: int = Field(
        DEFAULT_MIN_DAYS, ge=0, description="warn when the leaf or any chain certificate has fewer days left"
    )

    def target(self) -> str:
        sni = f" (SNI {self.server_name})" if self.server_name else ""
        return f"{self.host}:{self.port}{sni}"
