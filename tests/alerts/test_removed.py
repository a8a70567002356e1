"""A component removed from the config keeps no open incident: closed at once on a reload, and at start when a
previous run left it open; the receiver gets one recovery naming the state `removed`, and history ends the
component's down period with the reason. Real monitor, real store, pages counted on a real HTTP receiver."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from infraprobe.alerts.policy import AlertPolicy
from infraprobe.configfile import parse_config
from infraprobe.configfile.alerts import AlertsSettings
from infraprobe.monitor.history import summarize
from infraprobe.monitor.state import State, Transition
from infraprobe.monitor.store import open_store
from infraprobe.monitor.store.ledger import Incident
from infraprobe.monitor.vantages import Quorum
from infraprobe.monitor.verdict_log import REMOVED
from infraprobe.result import Status
from infraprobe.testing.httpservers import HttpServer
from infraprobe.testing.netfaults import ClosedPort
from tests.monitor.helpers import T0, obs

from .conftest import Run, Sink, until

COMMON = "interval: 0.1s, timeout: 0.5s, failure_threshold: 2, success_threshold: 1"


def config(closed: int, hook_url: str, *, with_cache: bool) -> str:
    cache = f"  - {{name: cache, kind: tcp, host: 127.0.0.1, port: {closed}, {COMMON}}}\n"
    other = f"  - {{name: other, kind: tcp, host: 127.0.0.1, port: {closed}, {COMMON}}}\n"
    hooks = f'hook: {{webhook: {{url: "{hook_url}"}}}}, oncall: {{webhook: {{url: "{hook_url}/oncall"}}}}'
    override = "components: {cache: {send_to: [oncall]}}, " if with_cache else ""
    alerts = f"alerts: {{providers: {{{hooks}}}, {override}send_to: [hook], group_wait: 0s}}\n"
    return "components:\n" + (cache if with_cache else "") + other + alerts


def monitor(text: str, db: str) -> Run:
    """A monitor as the command runs one, its quorum (alone here) recording the verdict's changes too."""
    return Run(text, db, "v1", Quorum("v1", peers=open_store(db), refresh_every=0.1))


def pages(hook: Sink, name: str = "cache") -> list[tuple[str, str]]:
    return [(d["event"], d["state"]) for d in hook.received if d["component"] == name]


async def test_removed_on_reload_and_found_removed_at_start_each_close_with_one_recovery(
    tmp_path: Path,
) -> None:
    hook, db = Sink(), f"sqlite:///{tmp_path}/h.db"
    with ClosedPort() as closed:
        async with HttpServer(hook) as server:
            full = config(closed.port, server.url("/hook"), with_cache=True)
            without = config(closed.port, server.url("/hook"), with_cache=False)
            async with monitor(full, db) as run:  # cache pages; the monitor stops with its incident open
                await until(lambda: pages(hook) == [("down", "down")])
            start = monitor(without, db)  # cache is no longer in the config: found at start
            assert start.monitor.end_removed(start.recorder.store) == ["cache"]
            async with start:
                await until(lambda: len(pages(hook)) == 2)
            async with monitor(full, db) as run:  # back, down again, then removed by a reload
                await until(lambda: len(pages(hook)) == 3)
                await until(lambda: run.state("cache") is State.DOWN)
                run.monitor.reload(parse_config(without))
                await until(lambda: len(pages(hook)) == 4)
                await asyncio.sleep(0.3)
    assert pages(hook) == [("down", "down"), ("recovery", "removed")] * 2
    # Each removal went where its down page went (cache's override, gone with it from the config).
    targets = [
        r.target for r, d in zip(hook.requests, hook.received, strict=True) if d["component"] == "cache"
    ]
    assert targets == ["/hook/oncall"] * 4, targets
    down, removal = [d for d in hook.received if d["component"] == "cache"][:2]
    assert removal["summary"].startswith("cache removed from config (no longer monitored) after ")
    assert removal["id"] == down["id"]  # it closes the incident the down page opened
    store = open_store(db)
    try:
        history = summarize(store, datetime.now(UTC))
        again = monitor(without, db)
        assert again.monitor.end_removed(store) == []  # ended once: a later start finds nothing to end
    finally:
        store.close()
    cache = [i for i in history.incidents if i.component == "cache"]
    assert [(i.end is not None, i.end_note) for i in cache] == [(True, REMOVED)] * 2
    verdicts = [i for i in history.quorum_incidents if i.component == "cache"]
    assert [(i.end is not None, i.end_note) for i in verdicts] == [(True, REMOVED)] * 2


def test_the_policy_closes_incidents_of_removed_components_and_forgets_their_held_pages() -> None:
    settings = AlertsSettings.model_validate({"providers": {"hook": {"webhook": {"url": "http://h/"}}}})
    incident = Incident("cache", T0, "connection_refused", "infrastructure", "refused", "v")
    policy = AlertPolicy(settings, [incident], suppressors=[lambda name: "a path finding, say"])
    t = Transition("db", "v", T0, State.UP, State.DOWN, "connection_refused", "infrastructure", "refused")
    assert policy.observe(obs("db", Status.FAIL), t, T0) == [] and "db" in policy.held  # held back
    (decision,) = policy.removed(["other"], T0 + timedelta(minutes=5))
    assert (decision.component, decision.event, decision.incident) == ("cache", "recovery", None)
    assert decision.payload["state"] == "removed" and decision.providers == ("hook",)
    assert decision.payload["summary"] == (
        "cache removed from config (no longer monitored) after 5m00s down: was connection_refused"
    )
    assert policy.open == {} and policy.held == {} and policy.down == {}
    assert policy.removed(["other"], T0) == []
