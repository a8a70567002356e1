"""The one list of component kinds. Config parsing, the CLI and the docs all read it.

Adding a kind: write `probes/<kind>.py` with a model, a probe and a `SPEC`, add it below, add a test and
a docs page. Nothing else needs to know.

Each kind's module is imported when its entry is first read: validating or checking a config of two kinds
loads two probes and their models, not eleven (start-up, issue 10). Listing the kinds imports nothing.
"""

from __future__ import annotations

from typing import Any

from infraprobe._lazy import LazyRegistry
from infraprobe.probes.base import ProbeSpec

_KINDS = ("dns", "tcp", "tls", "http", "websocket", "postgres", "redis", "mysql", "amqp", "grpc", "path")

REGISTRY: LazyRegistry[ProbeSpec[Any]] = LazyRegistry({k: f"infraprobe.probes.{k}:SPEC" for k in _KINDS})
