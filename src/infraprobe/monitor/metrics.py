"""Prometheus metrics: blackbox_exporter's names where they mean the same, plus why (cause, layer) and state.

`/metrics` describes every component's latest result, labelled by `component`; `/probe?component=NAME`
runs one check now and answers blackbox-style (no component label: Prometheus adds the target's labels by
relabelling, so a job scraping blackbox_exporter switches by changing its address and `module` parameter).
Metrics are built from the monitor's state at scrape time (a collector), so probing never pays for them.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from infraprobe import facts
from infraprobe.facts import FactValue
from infraprobe.monitor.engine import Monitor
from infraprobe.monitor.state import State, Tracker
from infraprobe.phases import Phase
from infraprobe.result import CheckResult, Status
from infraprobe.runner import guarded_check

# Our phase names -> blackbox_exporter's `probe_http_duration_seconds{phase}` names, where they mean the same.
HTTP_PHASES = {
    "dns": "resolve",
    "connect": "connect",
    "tls": "tls",
    "first_byte": "processing",
    "transfer": "transfer",
}
STATE_VALUES = {State.UNKNOWN: -1, State.UP: 0, State.DEGRADED: 1, State.DOWN: 2}


@dataclass(frozen=True, slots=True)
class _Family:
    name: str
    help: str
    labels: tuple[str, ...]


_FAMILIES = {
    f.name: f
    for f in (
        _Family("probe_success", "Whether the probe succeeded (a warning counts as success)", ()),
        _Family("probe_duration_seconds", "How long the probe took to complete in seconds", ()),
        _Family("probe_http_status_code", "Response HTTP status code", ()),
        _Family("probe_http_duration_seconds", "Duration of http request by phase", ("phase",)),
        _Family("probe_ssl_earliest_cert_expiry", "Returns last SSL chain expiry in unixtime", ()),
        _Family(
            "probe_dns_lookup_time_seconds", "Returns the time taken for probe dns lookup in seconds", ()
        ),
        _Family(
            "infraprobe_cause",
            "1 for the cause code and layer of the latest failure or warning",
            ("cause", "layer"),
        ),
        _Family("infraprobe_state", "Flap-controlled state: -1 unknown, 0 up, 1 degraded, 2 down", ()),
    )
}

Sample = tuple[str, tuple[str, ...], float]  # family name, label values (after the family's own), value


def result_samples(result: CheckResult) -> Iterator[Sample]:
    """The blackbox-named samples of one result."""
    yield "probe_success", (), 0.0 if result.status is Status.FAIL else 1.0
    yield "probe_duration_seconds", (), result.duration
    status = facts.STATUS.read(result.facts)
    if result.kind == "http" and status is not None:
        yield "probe_http_status_code", (), float(status)
    if result.kind == "http":
        for phase in result.phases:
            if phase.name in HTTP_PHASES:
                yield "probe_http_duration_seconds", (HTTP_PHASES[phase.name],), phase.seconds
    expiry = earliest_expiry(result.facts)
    if expiry is not None:
        yield "probe_ssl_earliest_cert_expiry", (), expiry
    dns = result.phase(Phase.DNS)
    if dns is not None:
        yield "probe_dns_lookup_time_seconds", (), dns
    if result.diagnosis is not None:
        yield "infraprobe_cause", (result.diagnosis.cause.value, result.diagnosis.layer.value), 1.0


def earliest_expiry(found: Mapping[str, FactValue]) -> float | None:
    chain = facts.CHAIN.read(found)
    if not chain:
        return None
    dates = [
        datetime.fromisoformat(c["not_after"]) for c in chain if isinstance(c, dict) and "not_after" in c
    ]
    return min(d.timestamp() for d in dates) if dates else None


def families(samples: Iterable[Sample], extra_labels: tuple[str, ...] = ()) -> list[Metric]:
    out: dict[str, GaugeMetricFamily] = {}
    for name, labels, value in samples:
        family = out.get(name)
        if family is None:
            spec = _FAMILIES[name]
            family = out[name] = GaugeMetricFamily(name, spec.help, labels=[*extra_labels, *spec.labels])
        family.add_metric(list(labels), value)
    return list(out.values())


class MonitorCollector(Collector):
    """Every component's latest result and state, labelled by component, built at scrape time."""

    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor

    def collect(self) -> Iterable[Metric]:
        trackers = dict(self.monitor.trackers)  # a copy: the loop may reload while we read
        samples: list[Sample] = []
        for name, tracker in trackers.items():
            samples.extend(_component_samples(name, tracker))
        yield from families(samples, ("component",))
        yield from self._monitor_families()

    def _monitor_families(self) -> Iterator[Metric]:
        yield _gauge(
            "infraprobe_monitor_results", "Results produced since the monitor started", self.monitor.results
        )
        yield _lag_quantiles(list(self.monitor.lags))
        recorder = self.monitor.recorder
        if recorder is not None:
            status = recorder.status()
            yield _gauge(
                "infraprobe_store_available",
                "1 while the history store accepts writes",
                float(status.available),
            )
            yield _gauge(
                "infraprobe_store_buffered_results",
                "Results waiting in memory for the store",
                status.buffered,
            )
            yield _gauge(
                "infraprobe_store_dropped_results",
                "Results dropped because the buffer was full",
                status.dropped,
            )


def _lag_quantiles(lags: list[float]) -> GaugeMetricFamily:
    """How late checks started (dispatch minus due time), over the last results: grows only when saturated."""
    family = GaugeMetricFamily(
        "infraprobe_schedule_lag_seconds",
        "Schedule lag quantiles over recent checks (first runs excluded)",
        labels=["quantile"],
    )
    ordered = sorted(lags)
    for q in (0.5, 0.9, 0.99, 1.0):
        family.add_metric([str(q)], ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0)
    return family


def _component_samples(name: str, tracker: Tracker) -> Iterator[Sample]:
    yield "infraprobe_state", (name,), float(STATE_VALUES[tracker.state])
    if tracker.last is not None:
        for family, labels, value in result_samples(tracker.last.result):
            yield family, (name, *labels), value


def _gauge(name: str, help_: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, help_, value=value)


# -- the HTTP endpoint --------------------------------------------------------------------------------

ProbeFn = Callable[[str], CheckResult | None]  # component name -> a fresh result, None when unknown


class MetricsApp:
    """WSGI: `/metrics`, `/probe?component=NAME`. Runs in the server's threads, never on the monitor's loop."""

    def __init__(self, registry: CollectorRegistry, probe: ProbeFn) -> None:
        self.registry, self.probe = registry, probe

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == "/metrics":
            return _reply(start_response, "200 OK", generate_latest(self.registry), CONTENT_TYPE_LATEST)
        if path == "/probe":
            return self._probe(environ, start_response)
        body = b'infraprobe monitor: <a href="/metrics">/metrics</a>, /probe?component=NAME\n'
        return _reply(start_response, "200 OK" if path == "/" else "404 Not Found", body, "text/html")

    def _probe(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        name = (query.get("component") or query.get("target") or [""])[0]
        result = self.probe(name) if name else None
        if result is None:
            text = f"unknown component {name!r}\n" if name else "component parameter is missing\n"
            return _reply(start_response, "400 Bad Request", text.encode(), "text/plain")
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Fixed(families(result_samples(result))))
        return _reply(start_response, "200 OK", generate_latest(registry), CONTENT_TYPE_LATEST)


class _Fixed(Collector):
    def __init__(self, metrics: list[Metric]) -> None:
        self.metrics = metrics

    def collect(self) -> Iterable[Metric]:
        return self.metrics


def _reply(start_response: Callable[..., Any], status: str, body: bytes, content_type: str) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes every few seconds would drown the monitor's own output."""


class MetricsServer:
    """Serves a monitor's metrics on host:port from a thread; `/probe` checks run on the monitor's loop."""

    def __init__(self, monitor: Monitor, loop: asyncio.AbstractEventLoop, host: str, port: int) -> None:
        self.monitor, self.loop = monitor, loop
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(MonitorCollector(monitor))
        app = MetricsApp(self.registry, self.probe)
        self.server = make_server(host, port, app, _ThreadingServer, _QuietHandler)
        self.port = self.server.server_port
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="infraprobe-metrics", daemon=True
        )

    def start(self) -> MetricsServer:
        self._thread.start()
        return self

    def probe(self, name: str) -> CheckResult | None:
        component = next((c for c in self.monitor.components if c.name == name), None)
        if component is None:
            return None
        check = guarded_check(self.monitor.runner.check, component, redactor=self.monitor.runner.redactor)
        future = asyncio.run_coroutine_threadsafe(check, self.loop)
        return future.result(timeout=component.timeout + 5)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def parse_listen(value: str) -> tuple[str, int]:
    """`127.0.0.1:9115`, `[::1]:9115` or `:9115` (loopback) -> (host, port)."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"expected HOST:PORT, got {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)
