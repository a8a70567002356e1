"""tls probe: being written (placeholder so the registry imports)."""

from __future__ import annotations

from typing import Literal

from infraprobe.config.model import ComponentBase
from infraprobe.probes.base import ProbeRun, ProbeSpec
from infraprobe.taxonomy import Component


class Placeholder(ComponentBase):
    kind: Literal["tls"] = "tls"


async def probe(cfg: Placeholder, run: ProbeRun) -> str:
    raise NotImplementedError("tls probe")


SPEC = ProbeSpec("tls", Placeholder, probe, Component.OTHER, "placeholder")
