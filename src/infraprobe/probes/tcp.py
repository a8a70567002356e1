"""tcp: can a TCP connection be opened, and how long does it take?"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from infraprobe.config.model import ComponentBase
from infraprobe.net import close_quietly
from infraprobe.probes.base import ProbeRun, ProbeSpec
from infraprobe.taxonomy import Component


class TcpCheck(ComponentBase):
    kind: Literal["tcp"] = "tcp"
    host: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)

    def target(self) -> str:
        return f"{self.host}:{self.port}"


async def probe(cfg: TcpCheck, run: ProbeRun) -> str:
    with run.phase("dns"):
        addresses = await run.net.resolver.resolve(cfg.host, cfg.port)
    run.fact("addresses", [a[1][0] for a in addresses])
    with run.phase("connect"):
        _, writer = await run.net.connect(addresses)
    peer = writer.get_extra_info("peername")
    run.fact("peer", f"{peer[0]}:{peer[1]}" if peer else None)
    await close_quietly(writer)
    return f"connected to {cfg.host}:{cfg.port}"


SPEC = ProbeSpec(
    "tcp", TcpCheck, probe, Component.TCP, "open a TCP connection; refused, timed out, unreachable"
)
