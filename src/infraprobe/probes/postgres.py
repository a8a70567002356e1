"""postgres probe: being written (placeholder so the registry imports)."""

from __future__ import annotations

from typing import Literal

from infraprobe.config.model import ComponentBase
from infraprobe.probes.base import ProbeRun, ProbeSpec
from infraprobe.taxonomy import Component


class Placeholder(ComponentBase):
    kind: Literal["postgres"] = "postgres"


async def probe(cfg: Placeholder, run: ProbeRun) -> str:
    raise NotImplementedError("postgres probe")


SPEC = ProbeSpec("postgres", Placeholder, probe, Component.OTHER, "placeholder")
