"""What alerting costs the monitor's loop: `Alerts.observed` per observation, steady and during an outage.

The loop runs the policy (in memory) and puts decisions on the dispatcher's queue; everything slow (store,
providers) is on other threads. Measured here: the time of `observed()` itself, with 1,000 components (100
roots with 9 dependents each), first all up, then every root and dependent failing (100 pages with their
blocked lists decided), against a real SQLite store and a webhook to a closed port (deliveries fail in the
background, as with a provider that is down).

    .venv/bin/python bench/bench_alerts.py --rounds 20
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

from infraprobe.alerts.manager import Alerts
from infraprobe.configfile import parse_config
from infraprobe.configfile.alerts import AlertsSettings
from infraprobe.monitor.state import Observation, State, Thresholds, Tracker, Transition
from infraprobe.monitor.store import open_store
from infraprobe.result import CheckResult, Diagnosis, PhaseTiming, Status
from infraprobe.taxonomy import Cause, Component
from infraprobe.testing.netfaults import ClosedPort

ROOTS, DEPENDENTS = 100, 9


def _names() -> dict[str, str | None]:
    """component -> the root it depends on (None for a root)."""
    out: dict[str, str | None] = {}
    for r in range(ROOTS):
        out[f"root{r}"] = None
        out.update({f"dep{r}-{d}": f"root{r}" for d in range(DEPENDENTS)})
    return out


def _result(name: str, ok: bool, at: datetime) -> CheckResult:
    diagnosis = None if ok else Diagnosis.of(Cause.CONNECTION_REFUSED, Component.OTHER, "refused")
    status = Status.OK if ok else Status.FAIL
    phases = (PhaseTiming("connect", 0.001),)
    return CheckResult(name, "tcp", status, at, 0.001, phases=phases, diagnosis=diagnosis, message="")


def _round(alerts: Alerts, names: dict[str, str | None], ok: bool, at: datetime, change: bool) -> list[float]:
    """One result per component; `change`: each is also a transition (to down when failing, else to up)."""
    tracker = Tracker("x", Thresholds())
    took = []
    for i, (name, root) in enumerate(names.items()):
        when = at + timedelta(milliseconds=i)  # a result a millisecond: 1,000 components a second
        obs = Observation(_result(name, ok, when), "bench", None if ok else root)
        transition = None
        if change:
            before, after = (State.DOWN, State.UP) if ok else (State.UP, State.DOWN)
            cause = None if ok else "connection_refused"
            transition = Transition(
                name, "bench", when, before, after, cause, "infrastructure", "", obs.blocked_by
            )
        start = time.perf_counter()
        alerts.observed(obs, tracker, transition)
        took.append(time.perf_counter() - start)
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    names = _names()
    components = "\n".join(f"  - {{name: {n}, kind: tcp, host: 127.0.0.1, port: 9}}" for n in names)
    with ClosedPort() as closed, tempfile.TemporaryDirectory() as tmp:
        text = f"components:\n{components}\nalerts:\n  providers: {{h: {{webhook: {{url: 'http://127.0.0.1:{closed.port}/'}}}}}}\n"
        settings = parse_config(text).sections["alerts"]
        assert isinstance(settings, AlertsSettings)
        store = open_store(f"sqlite:///{tmp}/h.db")
        alerts = Alerts(settings, store, max_queue=1_000_000, notice=lambda m: None)
        alerts.start()
        at = datetime.now(UTC)
        samples: dict[str, list[float]] = {
            "steady, 100 incidents open": [],
            "going down": [],
            "recovering": [],
        }
        for i in range(args.rounds):
            start = at + timedelta(minutes=3 * i)
            samples["going down"] += _round(alerts, names, False, start, True)
            samples["steady, 100 incidents open"] += _round(
                alerts, names, False, start + timedelta(minutes=1), False
            )
            samples["recovering"] += _round(alerts, names, True, start + timedelta(minutes=2), True)
        alerts.close(timeout=1)
    for label, took in samples.items():
        q = statistics.quantiles(took, n=100)
        print(
            f"{label}: {len(took)} calls, median {statistics.median(took) * 1e6:.1f} us, p99 {q[98] * 1e6:.1f} us"
        )


if __name__ == "__main__":
    main()
