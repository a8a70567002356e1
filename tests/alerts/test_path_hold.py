"""`--quorum any` and a broken path: two real monitors share a store; one vantage's targets become unreachable
(a real ENETUNREACH) one after another. The first to fail must not page before the second makes the path the
finding; a single unreachable target (no finding can form) still pages, once, after the hold. Pages are counted
on a real HTTP receiver."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from infraprobe.configfile import parse_config
from infraprobe.monitor.history import summarize
from infraprobe.monitor.quorum import Policy, Rules
from infraprobe.monitor.state import State
from infraprobe.monitor.store import open_store
from infraprobe.monitor.vantages import Quorum
from infraprobe.output.formats import render
from infraprobe.output.views.history import history_report
from infraprobe.testing.httpservers import HttpServer
from infraprobe.testing.netfaults import UNREACHABLE_V6

from .conftest import Run, Sink, until

NAMES = ("t0", "t1", "t2")


def config(port: int, hook_url: str, unreachable: tuple[str, ...] = ()) -> str:
    """t0 reaches its failure threshold in two results, the others in five: t0 is down well before them."""
    rows = []
    for name in NAMES:
        host = UNREACHABLE_V6 if name in unreachable else "127.0.0.1"
        threshold = 2 if name == "t0" else 5
        rows.append(
            f"  - {{name: {name}, kind: tcp, host: '{host}', port: {port}, interval: 0.1s, timeout: 0.5s, "
            f"failure_threshold: {threshold}, success_threshold: 1}}"
        )
    hook = f'alerts: {{providers: {{hook: {{webhook: {{url: "{hook_url}"}}}}}}, group_wait: 0s}}'
    return "components:\n" + "\n".join(rows) + "\n" + hook + "\n"


def vantage(name: str, text: str, db: str) -> Run:
    """A monitor as `infraprobe monitor --quorum any` wires it, reading the other's views often."""
    return Run(text, db, name, Quorum(name, Policy.ANY, peers=open_store(db), refresh_every=0.1))


def own(run: Run, state: State, names: tuple[str, ...] = NAMES) -> bool:
    return all(run.state(n) is state for n in names)


def _sees_all(monitor: Run) -> bool:
    """This monitor has va's path finding, naming every target."""
    finding = monitor.quorum.decision.findings.get("va")
    return finding is not None and finding.components == NAMES


@pytest.fixture
async def target() -> AsyncIterator[int]:
    async def close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(close, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def test_under_any_a_broken_path_pages_no_one_and_a_lone_broken_target_pages_once(
    target: int, tmp_path: Path
) -> None:
    hook, db = Sink(), f"sqlite:///{tmp_path}/h.db"
    async with HttpServer(hook) as server:
        url = server.url("/hook")
        async with vantage("va", config(target, url), db) as va, vantage("vb", config(target, url), db) as vb:
            await until(lambda: own(va, State.UP) and own(vb, State.UP))
            await until(lambda: "vb" in va.quorum.decision.reporting and "va" in vb.quorum.decision.reporting)

            va.monitor.reload(parse_config(config(target, url, NAMES)))  # va's path to every target breaks
            await until(lambda: own(va, State.DOWN))
            await until(lambda: all(_sees_all(v) for v in (va, vb)))
            finding = vb.quorum.decision.findings["va"]
            assert finding.components == NAMES and finding.causes == {"network_unreachable": 3}
            await asyncio.sleep(1.0)  # both dispatchers had time to send anything decided
            assert hook.received == [], hook.received

            # Only t0 stays unreachable from va: no path finding can form, so after the hold it pages.
            va.monitor.reload(parse_config(config(target, url, ("t0",))))
            await until(lambda: own(va, State.UP, NAMES[1:]) and "va" not in vb.quorum.decision.findings)
            held = vb.quorum.path_reason("t0") or va.quorum.path_reason("t0") or ""
            await until(lambda: len(hook.received) == 1, timeout=30)
            va.monitor.reload(parse_config(config(target, url)))
            await until(lambda: len(hook.received) == 2)
            await asyncio.sleep(0.5)
    _history_shows_it(db)
    assert hook.events() == [("t0", "down"), ("t0", "recovery")], [
        (d["event"], d["vantage"], d["at"], d["id"], d["summary"]) for d in hook.received
    ]
    assert held.startswith("held up to ") and "network_unreachable" in held, held
    assert hook.received[0]["cause"] == "network_unreachable"


def _history_shows_it(db: str) -> None:
    """What both monitors recorded, read back as `history` does: va's path failure over time (every target,
    seen by both, ended), and t0's verdict incidents, decided across the vantages."""
    store = open_store(db)
    try:
        history = summarize(store, datetime.now(UTC), rules=Rules(Policy.ANY))
    finally:
        store.close()
    paths = [p for p in history.vantage_periods if p.topic == "path_failure"]
    assert [(p.vantage, p.components, p.end is not None) for p in paths] == [("va", NAMES, True)]
    assert paths[0].causes == {"network_unreachable": 3} and set(paths[0].reported_by) == {"va", "vb"}
    # Under `any`, t0's verdict was down for the moment before the finding formed (no page: it was held),
    # then down again, alone, long enough to page.
    assert {i.component for i in history.quorum_incidents} == {"t0"} and len(history.quorum_incidents) <= 2
    incident = history.quorum_incidents[-1]
    assert [i.end_note for i in history.quorum_incidents[:-1]] in ([], ["set aside: path failure of va"])
    assert (incident.component, incident.cause, incident.down_from) == ("t0", "network_unreachable", ("va",))
    assert incident.end is not None and set(incident.decided_by) == {"va", "vb"}
    table = render(history_report(history), "table")
    assert "Quorum incidents" in table and "Vantage events" in table and "path_failure" in table
    doc = history.to_dict()
    assert doc["vantage_events"][0]["vantage"] == "va" and doc["quorum_incidents"][0]["down_from"] == ["va"]
