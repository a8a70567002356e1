"""`Alerts`: the monitor listener that runs the policy on every observation and hands decisions to delivery.

It follows the monitor's state transitions (so whatever decides a component's state, flap control or a
quorum of vantages, decides its pages) and does nothing slow on the monitor's loop: the policy is in-memory
arithmetic and the dispatcher's `submit` never blocks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime

from infraprobe.alerts.dispatch import DEFAULT_MAX_QUEUE, Dispatcher
from infraprobe.alerts.policy import AlertPolicy, Decision, Suppressor
from infraprobe.alerts.providers import Sender, sender
from infraprobe.configfile.alerts import AlertsSettings
from infraprobe.configfile.loader import LoadedConfig
from infraprobe.monitor.state import Observation, Tracker, Transition
from infraprobe.monitor.store import Store, StoreUnavailable, open_store

_log = logging.getLogger("infraprobe.alerts")


def _now() -> datetime:
    return datetime.now(UTC)


class Alerts:
    def __init__(
        self,
        settings: AlertsSettings,
        store: Store,
        *,
        redact: Callable[[str], str] = str,
        notice: Callable[[str], None] = _log.warning,
        senders: dict[str, Sender] | None = None,
        depends_on: Mapping[str, Sequence[str]] | None = None,
        configured: Collection[str] | None = None,  # the config's components: incidents of others close
        max_queue: int = DEFAULT_MAX_QUEUE,
        poll: float = 0.2,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._clock = clock
        try:
            incidents = store.open_incidents()
        except StoreUnavailable as exc:
            incidents = []
            notice(f"alerts: open incidents not loaded ({exc}); one still open may page again")
        self.policy = AlertPolicy(settings, incidents, redact=redact, depends_on=depends_on)
        self._notice = notice
        if senders is None:
            senders = _senders(settings)
        self.dispatcher = Dispatcher(
            store, senders, settings.retry, redact=redact, notice=notice, max_queue=max_queue, poll=poll,
            lease=settings.timeout + 30.0, clock=clock,
        )  # fmt: skip
        if configured is not None:  # incidents left open by a run whose config had components this one lacks
            self._submit(self.policy.removed(configured, clock()))

    @classmethod
    def for_config(
        cls, loaded: LoadedConfig, store_url: str, notice: Callable[[str], None] = _log.warning
    ) -> Alerts | None:
        """Alerts for a config's `alerts:` section, on their own connection to the history store."""
        settings = loaded.sections.get("alerts")
        if not isinstance(settings, AlertsSettings):
            return None
        store = open_store(store_url)
        return cls(
            settings, store, redact=loaded.redactor, notice=notice, depends_on=_depends_on(loaded),
            configured=loaded.config.names,
        )  # fmt: skip

    def reloaded(self, loaded: LoadedConfig) -> None:
        """The monitor switched configs: new providers, overrides and reminders apply from now on; open
        incidents, held pages and pending deliveries stay (a delivery to a provider removed fails as such),
        except the incidents of components the new config no longer has: they close (`AlertPolicy.removed`)."""
        self._submit(self.policy.removed(loaded.config.names, self._clock()))
        settings = loaded.sections.get("alerts")
        if not isinstance(settings, AlertsSettings):
            self._notice("alerts: the reloaded config has no alerts section; the previous one stays in force")
            return
        self.policy.configure(settings, _depends_on(loaded), loaded.redactor)
        self.dispatcher.reconfigure(
            _senders(settings), settings.retry, loaded.redactor, settings.timeout + 30.0
        )

    def add_suppressor(self, suppressor: Suppressor) -> None:
        """Hold pages back while `suppressor(component)` gives a reason (e.g. a vantage's path is failing)."""
        self.policy.suppressors.append(suppressor)

    # -- Listener ------------------------------------------------------------------------------------

    def observed(self, obs: Observation, tracker: Tracker, transition: Transition | None) -> None:
        self._submit(self.policy.observe(obs, transition, self._clock()))

    def _submit(self, decisions: Sequence[Decision]) -> None:
        for decision in decisions:
            self.dispatcher.submit(decision)

    def notice(self, message: str) -> None:
        pass  # the monitor's own notices are shown by the display listeners

    # -- lifetime ------------------------------------------------------------------------------------

    def start(self) -> None:
        self.dispatcher.start()

    def close(self, timeout: float = 10.0) -> None:
        self.dispatcher.close(timeout)
        self.dispatcher.store.close()


def _senders(settings: AlertsSettings) -> dict[str, Sender]:
    return {name: sender(p, settings.timeout) for name, p in settings.providers.items()}


def _depends_on(loaded: LoadedConfig) -> dict[str, tuple[str, ...]]:
    return {c.name: c.depends_on for c in loaded.config.components}
