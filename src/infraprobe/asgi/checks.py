"""`HealthChecks`: the dependencies an app watches, their background monitors, and cached responses.

A request costs a cache key (one clock read and one comparison per dependency) and, when nothing changed
since the last request, a dictionary lookup for the already-encoded body: checking and rendering happen once
per change, not once per request, which is what keeps the endpoint as cheap as a static route.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from infraprobe.asgi import body
from infraprobe.asgi.model import Snapshot, StartupView
from infraprobe.asgi.monitor import Checker, Dependency, Monitor
from infraprobe.asgi.startup import Startup
from infraprobe.clock import Clock, SystemClock
from infraprobe.config.model import ComponentBase
from infraprobe.configfile import load_config
from infraprobe.redact import NO_SECRETS, Redactor
from infraprobe.result import CheckResult
from infraprobe.runner import Runner, probed
from infraprobe.tokens import DetailGate

Route = Literal["live", "startup", "ready", "infrastructure"]
Response = tuple[int, bytes]

DEFAULT_INTERVAL = 10.0


class HealthChecks:
    """Watches dependencies in the background and answers health requests from the last results."""

    def __init__(
        self,
        components: Iterable[ComponentBase | Dependency] = (),
        *,
        interval: float = DEFAULT_INTERVAL,
        staleness: float | None = None,
        token: str | None = None,
        expose_details: bool = False,
        startup: Startup | None = None,
        runner: Checker | None = None,
        clock: Clock | None = None,
        redactor: Redactor = NO_SECRETS,
        service_id: str = "",
    ) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self._clock = clock or SystemClock()
        self._own_runner = runner is None
        self._runner: Checker = runner or Runner(redactor=redactor)
        self._gate = DetailGate(token, expose_details=expose_details)
        self.expose_details, self.startup, self.redactor = expose_details, startup, redactor
        self.service_id = service_id
        self._generation = 0
        self.monitors = self._monitors(components, interval, staleness)
        self._adhoc: dict[str, Monitor] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._cache: dict[tuple[object, ...], Response] = {}
        self._live = (200, body.encode(body.liveness()))

    @classmethod
    def from_config(cls, path: str | Path, **options: Any) -> HealthChecks:
        """Watch the components of an infraprobe config file: the app and `infraprobe check` share one YAML.

        Network paths (nothing to probe) are left out; the config's secrets are masked in every response.
        `options` are the constructor's (interval, token, startup, ...). Raises ConfigError for a bad file.
        """
        loaded = load_config(path)
        runnable, _ = probed(loaded.config.components)
        return cls(runnable, redactor=options.pop("redactor", loaded.redactor), **options)

    def _monitors(
        self, components: Iterable[ComponentBase | Dependency], interval: float, staleness: float | None
    ) -> dict[str, Monitor]:
        monitors: dict[str, Monitor] = {}
        for item in components:
            dep = item if isinstance(item, Dependency) else Dependency(item)
            if dep.name in monitors:
                raise ValueError(f"duplicate dependency name {dep.name!r}")
            monitors[dep.name] = self._monitor(dep, interval, staleness)
        return monitors

    def _monitor(self, dep: Dependency, interval: float, staleness: float | None) -> Monitor:
        return Monitor(
            dep,
            interval=interval,
            staleness=staleness,
            check=self._check,
            clock=self._clock,
            on_result=self._changed,
        )

    async def _check(self, component: ComponentBase) -> CheckResult:
        # Looked up per call: `stop()` replaces an owned runner, whose resolver threads it closed.
        return await self._runner.check(component)

    def _changed(self) -> None:
        self._generation += 1

    # -- lifecycle ---------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return bool(self._tasks)

    def ensure_started(self) -> None:
        """Start the monitors (and start-up phases) once; later calls do nothing."""
        if self._tasks:
            return
        for monitor in self.monitors.values():
            name = f"health-monitor:{monitor.component.name}"
            self._tasks.append(asyncio.create_task(monitor.run_forever(), name=name))
        if self.startup is not None:
            self._tasks.append(self.startup.start(self.check_now))

    async def start(self) -> None:
        self.ensure_started()

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # The loops were awaiting shielded checks: cancel those too, so no connection outlives the app.
        await asyncio.gather(*(m.cancel() for m in (*self.monitors.values(), *self._adhoc.values())))
        if self._own_runner and isinstance(self._runner, Runner):
            self._runner.net.close()
            self._runner = Runner(redactor=self.redactor)

    async def __aenter__(self) -> HealthChecks:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- checks ------------------------------------------------------------------------------------

    async def check_now(self, component: ComponentBase) -> CheckResult:
        """A fresh result, sharing the single flight of the monitor that watches the same component."""
        monitor = self.monitors.get(component.name)
        if monitor is None or monitor.component != component:
            monitor = self._adhoc.get(component.name)
            if monitor is None or monitor.component != component:
                monitor = self._monitor(Dependency(component), DEFAULT_INTERVAL, None)
                self._adhoc[component.name] = monitor
        return await monitor.check_now()

    def runs(self) -> dict[str, int]:
        """How many checks each dependency has had: the number a test or benchmark compares with time."""
        return {name: m.runs for name, m in self.monitors.items()}

    # -- requests ----------------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        now = self._clock.monotonic()
        views = tuple(m.view(now) for m in self.monitors.values())
        startup = self.startup.view() if self.startup is not None else StartupView()
        return Snapshot(views, startup)

    def authorized(self, presented: bytes | None) -> bool:
        """Constant-time token comparison; details are off for everyone when no token is configured."""
        return self._gate.allows(presented)

    def respond(self, route: Route, detail: bool) -> Response:
        if route == "live":
            return self._live
        if route == "startup":
            return self._startup(self.snapshot().startup, detail)  # elapsed times change: never cached
        key = self._key(route, detail)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._render(route, self.snapshot(), detail)
            if len(self._cache) > 64:  # old generations are never asked for again
                self._cache.clear()
            self._cache[key] = cached
        return cached

    def _key(self, route: Route, detail: bool) -> tuple[object, ...]:
        """Everything a cached body depends on, computed without building a snapshot."""
        now = self._clock.monotonic()
        stale = tuple(m.stale(now) for m in self.monitors.values())
        startup = self.startup.changes if self.startup is not None else 0
        return (route, detail, self._generation, startup, stale)

    def _render(self, route: Route, snapshot: Snapshot, detail: bool) -> Response:
        if route == "ready":
            data = body.ready(snapshot, detail=detail, redact=self.redactor)
            return (200 if snapshot.ready else 503), body.encode(data)
        data = body.infrastructure(snapshot, detail=detail, redact=self.redactor, service_id=self.service_id)
        return snapshot.status.http_status, body.encode(data)

    def _startup(self, view: StartupView, detail: bool) -> Response:
        data = body.startup(view, detail=detail, redact=self.redactor)
        return (200 if view.done else 503), body.encode(data)
