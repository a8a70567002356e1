"""The dns kind's config: the name, the record types, and optionally the nameserver to ask."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator

from infraprobe.config.model import ComponentBase

RecordType = Literal["A", "AAAA"]


def parse_nameserver(text: str) -> tuple[str, int]:
    """`127.0.0.1`, `127.0.0.1:5353`, `::1` or `[::1]:5353` -> (ip, port)."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else rest or "53"
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host, port = text, "53"
    ipaddress.ip_address(host)  # dnspython needs an address, not a name that would itself need DNS
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"invalid port in nameserver {text!r}")
    return host, int(port)


class DnsCheck(ComponentBase):
    kind: Literal["dns"] = "dns"
    host: str = Field(min_length=1, description="the name to resolve")
    record_types: tuple[RecordType, ...] = Field(("A", "AAAA"), min_length=1)
    nameserver: str | None = Field(None, description="ask this server (IP[:port]) instead of the system")
    expect_addresses: tuple[str, ...] = Field((), description="addresses that must all be in the answers")

    @field_validator("nameserver")
    @classmethod
    def _nameserver(cls, value: str | None) -> str | None:
        if value is not None:
            parse_nameserver(value)
        return value

    @field_validator("expect_addresses")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(str(ipaddress.ip_address(v)) for v in value)

    def target(self) -> str:
        return f"{self.host} {'/'.join(self.record_types)} via {self.nameserver or 'system resolver'}"
