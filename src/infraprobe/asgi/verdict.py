"""The one-line answer to "is it the infrastructure, the configuration or the application?".

Only failures count as evidence. Critical failures decide the verdict when there are any, because they are
what takes the service down; a failed start-up phase counts like a critical dependency. When nothing
fails, the dependencies are cleared, which itself points at the application if users still see errors.
"""

from __future__ import annotations

from typing import Any

from infraprobe.asgi.model import HealthStatus, PhaseState, Snapshot
from infraprobe.taxonomy import Layer

_HEALTHY = "every dependency passes its checks; if requests still fail, look at the application"


def verdict(snapshot: Snapshot) -> dict[str, Any]:
    """{layer, summary, failing}: layer is one of the taxonomy's layers, 'mixed', or None when healthy."""
    failing = _failures(snapshot)
    if not failing:
        return {"layer": None, "summary": _HEALTHY, "failing": []}
    critical = [f for f in failing if f["critical"]]
    deciding = critical or failing  # non-critical failures decide only when nothing critical fails
    layers = {f["layer"] for f in deciding}
    layer = layers.pop() if len(layers) == 1 else "mixed"
    named = ", ".join(f"{f['component']} ({f['cause']})" for f in deciding)
    blame = f"the {layer}" if layer != "mixed" else "several layers"
    kind = "critical " if critical else "non-critical "
    summary = f"{len(deciding)} failing {kind}check(s) point at {blame}: {named}"
    return {"layer": layer, "summary": summary, "failing": failing}


def _failures(snapshot: Snapshot) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    phase = snapshot.startup.current
    if phase is not None and phase.state is PhaseState.FAILED:
        out.append(_entry(f"startup:{phase.name}", phase.cause, phase.layer, True))
    for dep in snapshot.dependencies:
        if dep.status is HealthStatus.FAIL:
            out.append(_entry(dep.name, dep.cause, dep.layer, dep.critical))
    return out


def _entry(component: str, cause: object, layer: Layer | None, critical: bool) -> dict[str, Any]:
    return {
        "component": component,
        "cause": str(cause) if cause is not None else "unknown",
        "layer": (layer or Layer.UNKNOWN).value,
        "critical": critical,
    }
