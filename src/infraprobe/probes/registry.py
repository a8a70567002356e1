"""The one list of component kinds. Config parsing, the CLI and the docs all read it.

Each kind has two modules, named here once: `probes/models/<kind>.py` holds its config model, and
`probes/<kind>.py` its probe and `SPEC` (which names that same model). Adding a kind: write both, add its
line below, add a test and a docs page, and regenerate `configfile/_coreschemas.py` (docs/probes/README.md).

Entries are imported when first read, and the two maps apart: loading or validating a config reads
`MODELS` and never imports a probe, so it never pays for asyncio, ssl or a client library (start-up,
issue 10); checking a config of two kinds loads two probes, not eleven. Listing the kinds imports nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infraprobe._lazy import LazyRegistry

if TYPE_CHECKING:
    from infraprobe.config.model import ComponentBase
    from infraprobe.probes.base import ProbeSpec

# kind -> its model's class name in probes/models/<kind>.py
_KINDS = {
    "dns": "DnsCheck",
    "tcp": "TcpCheck",
    "tls": "TlsCheck",
    "http": "HttpCheck",
    "websocket": "WebSocketCheck",
    "postgres": "PostgresCheck",
    "redis": "RedisCheck",
    "mysql": "MysqlCheck",
    "amqp": "AmqpCheck",
    "grpc": "GrpcCheck",
    "path": "PathComponent",
}

REGISTRY: LazyRegistry[ProbeSpec[Any]] = LazyRegistry({k: f"infraprobe.probes.{k}:SPEC" for k in _KINDS})
MODELS: LazyRegistry[type[ComponentBase]] = LazyRegistry(
    {k: f"infraprobe.probes.models.{k}:{model}" for k, model in _KINDS.items()}
)
