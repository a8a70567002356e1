"""Alerts from the monitor: one page per root cause, on down, on recovery and as reminders, never twice.

    from infraprobe.alerts import Alerts
    alerts = Alerts.open(loaded, store_url, notice=print)   # None when the config has no `alerts:` section
    monitor.listeners.append(alerts); alerts.start() ... alerts.close()

`policy.py` decides (pure), `dispatch.py` records decisions in the store and delivers them off the probing
path, `providers.py` speaks webhook, Slack and SMTP. See docs/alerts.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infraprobe._lazy import lazy_getattr

if TYPE_CHECKING:
    from infraprobe.alerts.manager import Alerts
    from infraprobe.alerts.policy import AlertPolicy, Decision, Suppressor
    from infraprobe.configfile.alerts import AlertsSettings

__getattr__ = lazy_getattr(
    __name__,
    {
        "Alerts": "infraprobe.alerts.manager",
        **dict.fromkeys(("AlertPolicy", "Decision", "Suppressor"), "infraprobe.alerts.policy"),
        "AlertsSettings": "infraprobe.configfile.alerts",
    },
)

__all__ = ["AlertPolicy", "Alerts", "AlertsSettings", "Decision", "Suppressor"]
