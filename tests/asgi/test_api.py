"""The public surface of infraprobe.asgi is curated, and the module keeps no global state."""

from __future__ import annotations

import infraprobe.asgi

EXPECTED = {
    "Backoff", "Checker", "Clock", "Dependency", "DependencyView", "HealthApp", "HealthChecks",
    "HealthMiddleware", "HealthStatus", "ManualClock", "Monitor", "Phase", "PhaseState", "PhaseView",
    "Snapshot", "Startup", "StartupFailed", "StartupView", "SystemClock",
}  # fmt: skip


def test_exported_members() -> None:
    """Adding or removing a public name is a deliberate change to this list."""
    assert set(infraprobe.asgi.__all__) == EXPECTED
    for name in EXPECTED:
        assert hasattr(infraprobe.asgi, name), name


def test_two_instances_share_nothing() -> None:
    """Two HealthChecks in one process (two apps, or parallel tests) have separate state."""
    a, b = infraprobe.asgi.HealthChecks(), infraprobe.asgi.HealthChecks()
    assert a.respond("ready", False) is not b.respond("ready", False)
    assert a.monitors is not b.monitors
