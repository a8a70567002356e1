"""The dns kind's config: the name, the record types, and optionally the nameserver to ask."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from infraprobe.config.model import ComponentBase
from infraprobe.probes.models.values import dns_addresses, dns_nameserver, parse_nameserver

RecordType = Literal["A", "AAAA"]


class DnsCheck(ComponentBase):
    kind: Literal["dns"] = "dns"
    host: str = Field(min_length=1, description="the name to resolve")
    record_types: tuple[RecordType, ...] = Field(("A", "AAAA"), min_length=1)
    nameserver: str | None = Field(None, description="ask this server (IP[:port]) instead of the system")
    expect_addresses: tuple[str, ...] = Field((), description="addresses that must all be in the answers")

    _nameserver = field_validator("nameserver")(dns_nameserver)
    _addresses = field_validator("expect_addresses")(dns_addresses)

    def target(self) -> str:
        return f"{self.host} {'/'.join(self.record_types)} via {self.nameserver or 'system resolver'}"


__all__ = ["DnsCheck", "RecordType", "parse_nameserver"]
