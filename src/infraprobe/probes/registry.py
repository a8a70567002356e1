"""The one list of component kinds. Config parsing, the CLI and the docs all read it.

Adding a kind: write `probes/<kind>.py` with a model, a probe and a `SPEC`, add it below, add a test and
a docs page. Nothing else needs to know.
"""

from __future__ import annotations

from typing import Any

from infraprobe.probes import amqp, dns, grpc, http, mysql, path, postgres, redis, tcp, tls, websocket
from infraprobe.probes.base import ProbeSpec

REGISTRY: dict[str, ProbeSpec[Any]] = {
    spec.kind: spec
    for spec in (
        dns.SPEC,
        tcp.SPEC,
        tls.SPEC,
        http.SPEC,
        websocket.SPEC,
        postgres.SPEC,
        redis.SPEC,
        mysql.SPEC,
        amqp.SPEC,
        grpc.SPEC,
        path.SPEC,
    )
}
