"""Response bodies in the Health Check Response Format draft (application/health+json), as pure functions.

Two audiences: anyone (a load balancer, the internet) gets statuses only; a caller allowed details also
gets targets, addresses, error texts, cause, layer and guidance. Every string in a detailed body goes
through the redactor here, at the last moment, so no code path can hand a secret to a response.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from infraprobe.asgi.model import DependencyView, HealthStatus, PhaseState, PhaseView, Snapshot, StartupView
from infraprobe.asgi.verdict import verdict
from infraprobe.redact import Redactor

Body = dict[str, Any]

# componentType values the draft suggests: a datastore, a network-level system, or another component.
_COMPONENT_TYPES = {"postgres": "datastore", "redis": "datastore", "mysql": "datastore"}
_SYSTEM_KINDS = frozenset({"dns", "tcp", "tls", "path"})


def encode(body: Body) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def liveness() -> Body:
    return {"status": HealthStatus.PASS.value, "output": "process and event loop answer"}


def infrastructure(snapshot: Snapshot, *, detail: bool, redact: Redactor, service_id: str = "") -> Body:
    body: Body = {"status": snapshot.status.value}
    if service_id:
        body["serviceId"] = service_id
    body["startup"] = snapshot.startup.state.value
    body["checks"] = {_key(d): [_check(d, detail, redact)] for d in snapshot.dependencies}
    if detail:
        body["verdict"] = _redacted(verdict(snapshot), redact)
    return body


def ready(snapshot: Snapshot, *, detail: bool, redact: Redactor) -> Body:
    critical = [d for d in snapshot.dependencies if d.critical]
    body: Body = {
        "status": (HealthStatus.PASS if snapshot.ready else HealthStatus.FAIL).value,
        "startup": snapshot.startup.state.value,
        "checks": {_key(d): [_check(d, detail, redact)] for d in critical},
    }
    if detail and not snapshot.ready:
        body["output"] = redact(_not_ready_reason(snapshot))
    return body


def startup(view: StartupView, *, detail: bool, redact: Redactor) -> Body:
    status = HealthStatus.PASS if view.done else HealthStatus.FAIL
    body: Body = {
        "status": status.value,
        "startup": view.state.value,
        "elapsed_s": round(view.elapsed, 3),
        "phases": [_phase(p, detail, redact) for p in view.phases],
    }
    current = view.current
    if detail and current is not None:
        body["output"] = redact(_phase_line(current))
    return body


def _key(dep: DependencyView) -> str:
    return f"{dep.name}:responseTime"


def _component_type(kind: str) -> str:
    if kind in _COMPONENT_TYPES:
        return _COMPONENT_TYPES[kind]
    return "system" if kind in _SYSTEM_KINDS else "component"


def _check(dep: DependencyView, detail: bool, redact: Redactor) -> Body:
    out: Body = {"componentType": _component_type(dep.kind), "status": dep.status.value}
    result = dep.result
    if result is not None:
        finished = result.started_at + timedelta(seconds=result.duration)
        out["time"] = finished.isoformat().replace("+00:00", "Z")
    if detail:
        out.update(_detail(dep, redact))
    return out


def _detail(dep: DependencyView, redact: Redactor) -> Body:
    result, diagnosis = dep.result, dep.result.diagnosis if dep.result else None
    out: Body = {
        "componentId": dep.name,
        "kind": dep.kind,
        "critical": dep.critical,
        "target": redact(dep.target),
        "stale": dep.stale,
        "cause": diagnosis.cause.value if diagnosis else None,
        "layer": diagnosis.layer.value if diagnosis else None,
        "guidance": diagnosis.guidance if diagnosis else None,
    }
    if result is None:
        out["output"] = "not checked yet"
        return out
    out["observedValue"] = round(result.duration * 1000, 3)
    out["observedUnit"] = "ms"
    output = result.message if not dep.stale else f"stale (older than {dep.staleness:g}s): {result.message}"
    out["output"] = redact(output)
    out["facts"] = _redacted(dict(result.facts), redact)
    return out


def _phase(phase: PhaseView, detail: bool, redact: Redactor) -> Body:
    out: Body = {
        "name": phase.name,
        "state": phase.state.value,
        "elapsed_s": None if phase.elapsed is None else round(phase.elapsed, 3),
    }
    if detail:
        out.update(
            dependency=phase.dependency,
            timeout_s=phase.timeout,
            attempts=phase.attempts,
            cause=phase.cause.value if phase.cause else None,
            layer=phase.layer.value if phase.layer else None,
            output=redact(phase.message),
        )
    return out


def _phase_line(phase: PhaseView) -> str:
    waiting = f", waiting for {phase.dependency}" if phase.dependency else ""
    if phase.state is PhaseState.FAILED:
        return f"start-up failed in phase {phase.name}{waiting}: {phase.cause}: {phase.message}"
    return f"phase {phase.name} running for {phase.elapsed or 0:.1f}s of {phase.timeout:g}s{waiting}"


def _not_ready_reason(snapshot: Snapshot) -> str:
    if not snapshot.startup.done:
        current = snapshot.startup.current  # no elapsed time here: this body is cached until a state changes
        return "start-up not finished" + (f": phase {current.name} {current.state.value}" if current else "")
    failing = [d.name for d in snapshot.dependencies if d.critical and not d.passed]
    return "critical dependencies not passing: " + ", ".join(failing)


def _redacted(value: Any, redact: Redactor) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redacted(v, redact) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(v, redact) for v in value]
    return value
