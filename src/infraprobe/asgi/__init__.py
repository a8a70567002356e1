"""Health endpoints for any ASGI app (Starlette, FastAPI or bare ASGI), with start-up phases.

    checks = HealthChecks([Dependency(pg, interval=5), redis], token=os.environ.get("HEALTH_TOKEN"),
                          startup=Startup([Phase("database", wait_for=pg, timeout=600)]))
    app = HealthMiddleware(app, checks)            # or Mount("/health", HealthApp(checks))

`/health` liveness, `/health/startup`, `/health/ready`, `/health/infrastructure`; dependencies are checked in
the background on an interval, never on a request. See docs/health.md.
"""

from __future__ import annotations

from infraprobe.asgi.checks import HealthChecks
from infraprobe.asgi.endpoints import HealthApp, HealthMiddleware
from infraprobe.asgi.model import DependencyView, HealthStatus, PhaseState, PhaseView, Snapshot, StartupView
from infraprobe.asgi.monitor import Checker, Dependency, Monitor
from infraprobe.asgi.startup import Backoff, Phase, Startup, StartupFailed
from infraprobe.clock import Clock, ManualClock, SystemClock

__all__ = [
    "Backoff",
    "Checker",
    "Clock",
    "Dependency",
    "DependencyView",
    "HealthApp",
    "HealthChecks",
    "HealthMiddleware",
    "HealthStatus",
    "ManualClock",
    "Monitor",
    "Phase",
    "PhaseState",
    "PhaseView",
    "Snapshot",
    "Startup",
    "StartupFailed",
    "StartupView",
    "SystemClock",
]
