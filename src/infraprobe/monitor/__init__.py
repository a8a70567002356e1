"""Continuous monitoring: scheduling, flap control, dependency-aware blocking, durable history, metrics.

    from infraprobe.monitor import Monitor, Recorder, open_store
    recorder = Recorder(open_store("sqlite:///history.db")); recorder.start()
    await Monitor(load_config("env.yaml"), recorder=recorder).run(stop_event)
    recorder.close()

See docs/monitor.md (the command) and docs/history.md (reading the history back).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infraprobe._lazy import lazy_getattr

if TYPE_CHECKING:
    from infraprobe.monitor.engine import Listener, Monitor, default_vantage, watch_config
    from infraprobe.monitor.recorder import Recorder, RecorderStatus
    from infraprobe.monitor.schedule import Scheduler
    from infraprobe.monitor.state import Observation, State, Thresholds, Tracker, Transition
    from infraprobe.monitor.store import Retention, Store, StoreUnavailable, open_store

__getattr__ = lazy_getattr(
    __name__,
    {
        **dict.fromkeys(
            ("Listener", "Monitor", "default_vantage", "watch_config"), "infraprobe.monitor.engine"
        ),
        **dict.fromkeys(("Recorder", "RecorderStatus"), "infraprobe.monitor.recorder"),
        "Scheduler": "infraprobe.monitor.schedule",
        **dict.fromkeys(
            ("Observation", "State", "Thresholds", "Tracker", "Transition"), "infraprobe.monitor.state"
        ),
        **dict.fromkeys(("Retention", "Store", "StoreUnavailable", "open_store"), "infraprobe.monitor.store"),
    },
)

__all__ = [
    "Listener",
    "Monitor",
    "Observation",
    "Recorder",
    "RecorderStatus",
    "Retention",
    "Scheduler",
    "State",
    "Store",
    "StoreUnavailable",
    "Thresholds",
    "Tracker",
    "Transition",
    "default_vantage",
    "open_store",
    "watch_config",
]
