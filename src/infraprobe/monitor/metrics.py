"""Prometheus metrics: blackbox_exporter's names where they mean the same, plus why (cause, layer) and state.

`/metrics` describes every component's latest result, labelled by `component`; `/probe?component=NAME`
runs one check now and answers blackbox-style (no component label: Prometheus adds the target's labels by
relabelling, so a job scraping blackbox_exporter switches by changing its address and `module` parameter).
Metrics are built from the monitor's state at scrape time (a collector), so probing never pays for them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from infraprobe import facts
from infraprobe.facts import FactValue
from infraprobe.monitor.engine import Monitor
from infraprobe.monitor.http import Handler, HttpServer, Reply, Request, parse_listen
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

INDEX = b'infraprobe monitor: <a href="/metrics">/metrics</a>, /probe?component=NAME\n'


class MetricsServer(HttpServer):
    """`/metrics` and `/probe` on the monitor's own event loop. A `/probe` check runs on the loop like any
    scheduled check; rendering `/metrics` for many components runs in a worker thread so it never stalls the
    schedule. Handlers in `also` (the status page) are asked first when they share the address."""

    def __init__(self, monitor: Monitor, host: str, port: int, *, also: Sequence[Handler] = ()) -> None:
        self.monitor = monitor
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(MonitorCollector(monitor))
        super().__init__([*also, self.handle], host, port)

    async def start(self) -> MetricsServer:
        await super().start()
        return self

    async def handle(self, request: Request) -> Reply:
        if request.path == "/metrics":
            return Reply(200, await asyncio.to_thread(generate_latest, self.registry), CONTENT_TYPE_LATEST)
        if request.path == "/probe":
            return await self._probe(request.query)
        return Reply(200 if request.path == "/" else 404, INDEX, "text/html")

    async def _probe(self, query: dict[str, list[str]]) -> Reply:
        name = (query.get("component") or query.get("target") or [""])[0]
        component = next((c for c in self.monitor.components if c.name == name), None)
        if component is None:
            text = f"unknown component {name!r}\n" if name else "component parameter is missing\n"
            return Reply(400, text.encode(), "text/plain")
        runner = self.monitor.runner
        result = await guarded_check(runner.check, component, redactor=runner.redactor)
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Fixed(families(result_samples(result))))
        return Reply(200, generate_latest(registry), CONTENT_TYPE_LATEST)


class _Fixed(Collector):
    def __init__(self, metrics: list[Metric]) -> None:
        self.metrics = metrics

    def collect(self) -> Iterable[Metric]:
        return self.metrics


__all__ = ["MetricsServer", "MonitorCollector", "parse_listen", "result_samples"]
