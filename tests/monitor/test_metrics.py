"""The metrics endpoint, scraped over HTTP and parsed with Prometheus's own text parser."""

from __future__ import annotations

import asyncio
import http.client
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from infraprobe.configfile import parse_config
from infraprobe.monitor.engine import Monitor
from infraprobe.monitor.metrics import ComponentLines, MetricsServer, parse_listen
from infraprobe.monitor.state import State, Thresholds, Tracker
from infraprobe.result import Status
from infraprobe.testing._localserver import free_port
from infraprobe.testing.certs import make_test_pki
from infraprobe.testing.httpservers import DemoApp, HttpServer

from .helpers import obs
from .test_monitor_e2e import until


def samples(text: str) -> Iterator[Sample]:
    for family in text_string_to_metric_families(text):
        yield from family.samples


def value(text: str, name: str, **labels: str) -> float:
    found = [
        s.value
        for s in samples(text)
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    ]
    assert len(found) == 1, (name, labels, found)
    return found[0]


async def fetch(url: str) -> tuple[int, str]:
    def get() -> tuple[int, str]:
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    return await asyncio.to_thread(get)


async def test_scrape_carries_blackbox_names_cause_and_state(tmp_path: Path) -> None:
    pki = make_test_pki(tmp_path)
    async with HttpServer(DemoApp(), ssl_context=pki.healthy) as web:
        closed = free_port()
        text = (
            "defaults: {interval: 0.2s, failure_threshold: 1, success_threshold: 1, timeout: 2s}\n"
            "components:\n"
            f"  - {{name: web, kind: http, url: '{web.url('/ok')}', tls: {{ca_file: '{pki.ca_file}'}}}}\n"
            f"  - {{name: gone, kind: tcp, host: 127.0.0.1, port: {closed}}}\n"
        )
        monitor = Monitor(parse_config(text), vantage="t")
        stop = asyncio.Event()
        task = asyncio.create_task(monitor.run(stop))
        server = await MetricsServer(monitor, "127.0.0.1", 0).start()
        try:
            await until(lambda: all(t.state is not State.UNKNOWN for t in monitor.trackers.values()))
            status, body = await fetch(f"http://127.0.0.1:{server.port}/metrics")
            assert status == 200
            assert value(body, "probe_success", component="web") == 1
            assert value(body, "probe_success", component="gone") == 0
            assert value(body, "probe_http_status_code", component="web") == 200
            phases = {s.labels["phase"] for s in samples(body) if s.name == "probe_http_duration_seconds"}
            assert {"connect", "tls", "processing"} <= phases
            assert value(body, "probe_ssl_earliest_cert_expiry", component="web") > 1e9
            assert 0 < value(body, "probe_duration_seconds", component="web") < 2
            assert (
                value(
                    body,
                    "infraprobe_cause",
                    component="gone",
                    cause="connection_refused",
                    layer="infrastructure",
                )
                == 1
            )
            assert value(body, "infraprobe_state", component="gone") == 2
            assert value(body, "infraprobe_state", component="web") == 0
            assert 0 <= value(body, "infraprobe_schedule_lag_seconds", quantile="0.99") < 1

            status, probed = await fetch(f"http://127.0.0.1:{server.port}/probe?component=web")
            assert status == 200 and value(probed, "probe_success") == 1
            assert value(probed, "probe_http_status_code") == 200
            status, probed = await fetch(f"http://127.0.0.1:{server.port}/probe?component=gone")
            assert (
                value(probed, "probe_success") == 0
                and value(probed, "infraprobe_cause", cause="connection_refused", layer="infrastructure") == 1
            )
            status, _ = await fetch(f"http://127.0.0.1:{server.port}/probe?component=nope")
            assert status == 400
            assert await asyncio.to_thread(two_on_one_connection, server.port) == [200, 200]
        finally:
            await server.close()
            stop.set()
            await task
            monitor.runner.net.close()


def two_on_one_connection(port: int) -> list[int]:
    """Keep-alive, as Prometheus scrapes: two requests on one connection both answered."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    statuses = []
    for path in ("/metrics", "/probe?component=web"):
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        statuses.append(response.status)
    conn.close()
    return statuses


def test_listen_addresses() -> None:
    assert parse_listen("127.0.0.1:9115") == ("127.0.0.1", 9115)
    assert parse_listen("[::1]:0") == ("::1", 0)
    assert parse_listen(":9115") == ("127.0.0.1", 9115)
    with pytest.raises(ValueError, match="HOST:PORT"):
        parse_listen("9115x")


def test_component_lines_follow_each_new_result_and_escape_names() -> None:
    """Lines are reused between results; a new result, a new state or a removal shows at the next scrape."""
    odd = 'a"b\\c'
    trackers = {n: Tracker(n, Thresholds(failure=1, success=1)) for n in ("cache", odd)}
    lines = ComponentLines()
    assert value(lines.render(trackers), "infraprobe_state", component=odd) == -1
    trackers["cache"].observe(obs("cache", duration=0.25))
    first = lines.render(trackers)
    assert value(first, "probe_duration_seconds", component="cache") == 0.25
    assert value(first, "infraprobe_state", component="cache") == 0
    assert lines.render(trackers) == first
    trackers["cache"].observe(obs("cache", Status.FAIL, duration=0.5))
    again = lines.render(trackers)
    assert value(again, "probe_success", component="cache") == 0
    assert value(again, "infraprobe_state", component="cache") == 2
    assert value(again, "infraprobe_cause", component="cache", cause="connection_refused") == 1
    del trackers["cache"]
    assert "cache" not in lines.render(trackers)
