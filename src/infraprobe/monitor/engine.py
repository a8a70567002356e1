"""The monitor: scheduler -> state machines -> recorder and listeners (metrics, live view), one config at a time.

    monitor = Monitor(load_config("env.yaml"), recorder=Recorder(open_store("sqlite:///h.db")))
    await monitor.run(stop)          # until `stop` (an asyncio.Event) is set

Everything is injected (runner, recorder, clock, random source), nothing is global, so several monitors can
run in one process and tests can drive any part of it. `reload()` swaps the config and keeps the state of
every component whose definition did not change.
"""

from __future__ import annotations

import asyncio
import random
import socket
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from infraprobe.clock import Clock, SystemClock
from infraprobe.config.model import ComponentBase
from infraprobe.configfile.loader import LoadedConfig, load_config
from infraprobe.configfile.vantages import vantages_settings
from infraprobe.errors import ConfigError, Location
from infraprobe.monitor.blocking import Blocking
from infraprobe.monitor.recorder import Recorder
from infraprobe.monitor.schedule import DEFAULT_JITTER, DEFAULT_MAX_INFLIGHT, Scheduler
from infraprobe.monitor.state import Observation, Routine, Thresholds, Tracker, Transition
from infraprobe.monitor.store.base import Store
from infraprobe.monitor.vantages import Change, Quorum, VantageListener
from infraprobe.monitor.verdict_log import VantageEvent, VerdictChange, removed, stale_records
from infraprobe.net import Net
from infraprobe.result import CheckResult
from infraprobe.runner import Runner, probed

LAG_SAMPLES = 100_000


class Listener(Protocol):
    """Something that follows the monitor: the metrics endpoint, the live table, a test."""

    def observed(self, obs: Observation, tracker: Tracker, transition: Transition | None) -> None: ...

    def notice(self, message: str) -> None: ...


@runtime_checkable
class ReloadListener(Protocol):
    """A listener whose own settings live in the config (alerts): told when the monitor switched configs."""

    def reloaded(self, loaded: LoadedConfig) -> None: ...


def default_vantage() -> str:
    return socket.gethostname() or "local"


class Monitor:
    def __init__(
        self,
        loaded: LoadedConfig,
        *,
        recorder: Recorder | None = None,
        listeners: Sequence[Listener] = (),
        vantage: str | None = None,
        runner: Runner | None = None,
        max_inflight: int = DEFAULT_MAX_INFLIGHT,
        jitter: float = DEFAULT_JITTER,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        quorum: Quorum | None = None,
    ) -> None:
        self.loaded = loaded
        self.vantage = vantage or default_vantage()
        # With a quorum, listeners follow the verdict across vantages; `trackers` stay this vantage's own.
        self.quorum = quorum
        self.recorder = recorder
        self.listeners = list(listeners)
        self.runner = runner or Runner(net=Net(), redactor=loaded.redactor)
        self.trackers: dict[str, Tracker] = {}
        self.latest: dict[str, CheckResult] = {}
        self.lags: deque[float] = deque(maxlen=LAG_SAMPLES)
        self.results = 0
        self._blocking = Blocking(loaded)
        self._clock = clock or SystemClock()
        self._scheduler = Scheduler(
            self.runner.check,
            self._on_result,
            max_inflight=max_inflight,
            jitter=jitter,
            clock=self._clock,
            rng=rng,
        )
        self._scheduler.redactor = loaded.redactor
        self._apply(loaded.config.components)

    @property
    def components(self) -> tuple[ComponentBase, ...]:
        return self.loaded.config.components

    # -- running -----------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Probe until `stop` is set, then cancel the checks in flight. The recorder is the caller's to close."""
        task = asyncio.create_task(self._scheduler.run(), name="monitor-scheduler")
        peers = None
        if self.quorum is not None and self.quorum.peers is not None:
            peers = asyncio.create_task(self.quorum.read_peers(self._on_peers), name="monitor-peers")
        try:
            await stop.wait()
        finally:
            await self._scheduler.stop()
            tasks = [t for t in (task, peers) if t is not None]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _on_result(self, result: CheckResult, lag: float) -> None:
        self.results += 1
        tracker = self.trackers.get(result.component)
        if tracker is None:
            return  # removed by a reload while its check ran
        if tracker.last is not None:
            self.lags.append(lag)  # first runs all start at once by design: their wait is not schedule lag
        self.latest[result.component] = result
        blocked_by = self._blocking.blocked_by(result.component, self.latest)
        transition = tracker.observe(Observation(result, self.vantage, blocked_by))
        obs = Observation(result, self.vantage, blocked_by, tracker.state, tracker.since)
        if self.recorder is not None:
            self.recorder.add(obs, transition)
        if self.quorum is None:
            self._tell([Change(obs, tracker, transition)], [])
        else:
            self._tell(*self.quorum.local(obs, transition))

    def _on_peers(self, changes: list[Change], events: list[VantageEvent], note: str | None) -> None:
        if note:
            self.notice(note)
        self._tell(changes, events)

    def _tell(self, changes: list[Change], events: list[VantageEvent]) -> None:
        if self.recorder is not None:
            self.recorder.add_quorum([c.verdict for c in changes if c.verdict], events)
        for listener in self.listeners:
            for change in changes:
                listener.observed(change.obs, change.tracker, change.transition)
        for event in events:
            if event.said:
                self.notice(event.message)
            for listener in self.listeners:
                if isinstance(listener, VantageListener):
                    listener.vantage_event(event)

    def notice(self, message: str) -> None:
        for listener in self.listeners:
            listener.notice(message)

    # -- configuration -----------------------------------------------------------------------------

    def reload(self, loaded: LoadedConfig) -> list[str]:
        """Switch to a new config. Unchanged components keep their state; returns the names that changed."""
        old = {c.name: c for c in self.components}
        changed = [c.name for c in loaded.config.components if old.get(c.name) != c]
        removed = [n for n in old if n not in loaded.config.names]
        self._record_removed(removed)
        if removed:
            self.notice(
                Routine(
                    f"removed from the config: {', '.join(removed)}; their records end (removed from config)"
                )
            )
        for name in (*changed, *removed):
            self.trackers.pop(name, None)
            self.latest.pop(name, None)
        if self.quorum is not None:
            self.quorum.forget([*changed, *removed])
        self.loaded = loaded
        self.runner.redactor = self._scheduler.redactor = loaded.redactor
        self._blocking = Blocking(loaded)
        self._apply(loaded.config.components)
        for listener in self.listeners:
            if isinstance(listener, ReloadListener):
                listener.reloaded(loaded)
        return [*changed, *removed]

    def _record_removed(self, names: Sequence[str]) -> None:
        """Components gone from the config end their record here (`removed from config`): this vantage's
        state and the verdict go to unknown, so no incident of theirs stays open in the history."""
        now = self._clock.now()
        own = [t for n in names if (t := removed(self.trackers.get(n), self.vantage, now))]
        verdicts = self.quorum.trackers if self.quorum is not None else {}
        changes = [
            VerdictChange.of(t, None) for n in names if (t := removed(verdicts.get(n), self.vantage, now))
        ]
        if self.recorder is not None:
            self.recorder.add_transitions(own)
            self.recorder.add_quorum(changes, [])

    def end_removed(self, store: Store) -> list[str]:
        """At start, before the recorder does: end the records a previous run left for components this
        config no longer has (see `_record_removed`); their names. A store out of reach raises."""
        now = self._clock.now()
        own, verdicts = store.transitions(now), store.verdict_transitions(now)
        ends, verdict_ends = stale_records(own, verdicts, self.loaded.config.names, self.vantage, now)
        if self.recorder is not None:
            self.recorder.add_transitions(ends)
            self.recorder.add_quorum(verdict_ends, [])
        return sorted({t.component for t in ends} | {v.component for v in verdict_ends})

    def reload_from(self, path: str | Path) -> bool:
        """Reload from a file; a broken file, or one with nothing to probe, keeps the running config and says
        why in one line."""
        try:
            loaded = load_config(path)
            require_something_to_probe(loaded, path)
        except ConfigError as exc:
            self.notice(f"config not reloaded: {'; '.join(exc.lines())}")
            return False
        changed = self.reload(loaded)
        self.notice(Routine(f"config reloaded: {len(changed)} component(s) changed or removed"))
        return True

    def _apply(self, components: Sequence[ComponentBase]) -> None:
        for c in components:
            if c.name not in self.trackers:
                self.trackers[c.name] = Tracker(c.name, Thresholds(c.failure_threshold, c.success_threshold))
        self.runner.prepare(list(components))
        self._scheduler.set_components(components)
        if self.quorum is not None:
            self.quorum.configure(components, vantages_settings(self.loaded))


def require_something_to_probe(loaded: LoadedConfig, path: str | Path) -> None:
    """Watching nothing, forever, is not a healthy environment: refused at start (exit 3) and at a reload."""
    if not probed(loaded.config.components)[0]:
        raise ConfigError(
            "nothing to monitor (no components, or only network paths)",
            location=Location(str(path)),
            field="components",
        )


async def watch_config(monitor: Monitor, path: Path, reload: asyncio.Event, poll: float = 2.0) -> None:
    """Reload when `reload` is set (SIGHUP) or the file's modification time or size changes."""
    seen = _stamp(path)
    while True:
        try:
            async with asyncio.timeout(poll):
                await reload.wait()
        except TimeoutError:
            pass
        stamp = _stamp(path)
        if reload.is_set() or stamp != seen:
            reload.clear()
            seen = stamp
            monitor.reload_from(path)


def _stamp(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)


__all__ = ["Listener", "Monitor", "default_vantage", "require_something_to_probe", "watch_config"]
