"""Prometheus metrics: blackbox_exporter's names where they mean the same, plus why (cause, layer) and state.

`/metrics` describes every component's latest result, labelled by `component`; `/probe?component=NAME`
runs one check now and answers blackbox-style (no component label: Prometheus adds the target's labels by
relabelling, so a job scraping blackbox_exporter switches by changing its address and `module` parameter).
Metrics are built from the monitor's state at scrape time, so probing never pays for them; each
component's lines are rendered once per result and reused by every scrape until its next result
(`ComponentLines`), so a scrape of 10,000 components costs a few dictionary lookups per component rather
than ~60,000 prometheus-client samples built, validated and formatted every time (in a profile of
10,000 components scraped every 5 s that was 30% of the monitor's CPU, on the GIL the loop needs).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from infraprobe import facts
from infraprobe.facts import FactValue
from infraprobe.monitor.engine import Monitor
from infraprobe.monitor.http import Handler, HttpServer, Reply, Request, parse_listen
from infraprobe.monitor.state import Observation, State, Tracker
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
_number = cast(Callable[[float], str], floatToGoString)  # as prometheus-client writes values
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


class ComponentLines:
    """Every component's latest result and state as exposition text, labelled by component.

    A component's lines are kept with the observation and state they were rendered from and reused while
    both are unchanged (at a 60 s interval and a 15 s scrape, three scrapes in four reuse them)."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[Observation | None, State, list[tuple[str, str]]]] = {}

    def render(self, trackers: Mapping[str, Tracker]) -> str:
        fresh: dict[str, tuple[Observation | None, State, list[tuple[str, str]]]] = {}
        by_family: dict[str, list[str]] = {name: [] for name in _FAMILIES}
        for name, tracker in trackers.items():
            entry = self._cache.get(name)
            last, state = tracker.last, tracker.state  # read once: the loop may move on meanwhile
            if entry is None or entry[0] is not last or entry[1] is not state:
                entry = (last, state, list(_component_lines(name, state, last)))
            fresh[name] = entry
            for family, line in entry[2]:
                by_family[family].append(line)
        self._cache = fresh  # removed components fall out
        return "".join(_block(name, lines) for name, lines in by_family.items() if lines)


def _component_lines(name: str, state: State, last: Observation | None) -> Iterator[tuple[str, str]]:
    component = f'component="{_escape(name)}"'
    yield "infraprobe_state", f"infraprobe_state{{{component}}} {_number(STATE_VALUES[state])}\n"
    if last is None:
        return
    for family, values, value in result_samples(last.result):
        labels = ",".join(
            [
                component,
                *(f'{k}="{_escape(v)}"' for k, v in zip(_FAMILIES[family].labels, values, strict=True)),
            ]
        )
        yield family, f"{family}{{{labels}}} {_number(value)}\n"


def _block(name: str, lines: list[str]) -> str:
    help_ = _FAMILIES[name].help.replace("\\", r"\\").replace("\n", r"\n")
    return f"# HELP {name} {help_}\n# TYPE {name} gauge\n{''.join(lines)}"


def _escape(value: str) -> str:
    """A label value as the text format writes it (backslash, double quote and newline escaped)."""
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


class MonitorCollector(Collector):
    """The monitor's own figures (results produced, schedule lag, store) as prometheus-client metrics."""

    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor

    def collect(self) -> Iterable[Metric]:
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
        self.components = ComponentLines()
        super().__init__([*also, self.handle], host, port)

    async def start(self) -> MetricsServer:
        await super().start()
        return self

    async def handle(self, request: Request) -> Reply:
        if request.path == "/metrics":
            return Reply(200, await asyncio.to_thread(self.metrics), CONTENT_TYPE_LATEST)
        if request.path == "/probe":
            return await self._probe(request.query)
        return Reply(200 if request.path == "/" else 404, INDEX, "text/html")

    def metrics(self) -> bytes:
        """The `/metrics` body: every component's lines, then the monitor's own figures."""
        trackers = dict(self.monitor.trackers)  # a copy: the loop may reload while we read
        return self.components.render(trackers).encode() + generate_latest(self.registry)

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
