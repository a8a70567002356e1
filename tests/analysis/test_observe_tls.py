"""Observed certificates: a real TLS listener on loopback, compared with the declared certificate."""

from __future__ import annotations

import asyncio
from pathlib import Path

from infraprobe.analysis import analyze, observations_from
from infraprobe.configfile import parse_config
from infraprobe.runner import check_config
from infraprobe.testing.certs import self_signed

TOPOLOGY = """
topology:
  services: [{name: api, max_instances: 1}]
  load_balancers:
    - {name: lb, backends: [api], interval: 10s, timeout: 5s, unhealthy_threshold: 3,
        domains: [api.example.com, auth.example.com], certificate: cert}
  certificates:
    - {name: cert, component: edge-tls, names: [api.example.com, auth.example.com], not_after: 2030-01-01}
"""


async def _close(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


async def test_observe_judges_the_certificate_actually_served(tmp_path: Path) -> None:
    """Declared names cover both domains, the served one only api: drift on names and dates, and not covered."""
    served = self_signed("api.example.com", days=10)
    server = await asyncio.start_server(_close, "127.0.0.1", 0, ssl=served.server_context(tmp_path, "leaf"))
    port = server.sockets[0].getsockname()[1]
    component = (
        f"components:\n  - {{name: edge-tls, kind: tls, host: 127.0.0.1, port: {port}, verify: false}}\n"
    )
    loaded = parse_config(component + TOPOLOGY, "env.yaml", env={})
    async with server:
        report = await check_config(loaded.config)
    assert analyze(loaded, report.results).findings == ()  # on paper, all is well
    analysis = analyze(loaded, report.results, observations_from(report.results))
    found = {(f.code, f.values.get("field")): f for f in analysis.findings}
    assert set(found) == {
        ("cert_name_not_covered", None),
        ("drift", "names"),
        ("drift", "not_after"),
        ("cert_expiring", None),
    }
    assert found[("cert_name_not_covered", None)].values["missing"] == ["auth.example.com"]
    assert found[("drift", "names")].evidence == (
        "cert names: declared api.example.com, auth.example.com, observed api.example.com"
    )
    assert found[("cert_expiring", None)].values["source"] == "observed"
