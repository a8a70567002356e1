"""The status page's routes over real HTTP, on a monitor probing real loopback ports: what anyone sees, what
the token adds, the event stream, and one address serving both the page and the metrics."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from infraprobe.configfile import parse_config
from infraprobe.monitor.engine import Monitor
from infraprobe.monitor.http import HttpServer
from infraprobe.monitor.metrics import MetricsServer
from infraprobe.monitor.recorder import Recorder
from infraprobe.monitor.state import State
from infraprobe.monitor.statuspage import StatusPage
from infraprobe.monitor.statuspage.body import bar, segment, spark, uptime
from infraprobe.monitor.statuspage.history import load_history
from infraprobe.monitor.statuspage.server import FIRST_ROWS
from infraprobe.monitor.store import Retention, Series, open_store
from infraprobe.result import Status
from infraprobe.testing.netfaults import ClosedPort

from .helpers import T0, obs

TOKEN = "page-token-2b9"


def test_a_bucket_is_coloured_by_its_worst_share() -> None:
    assert [segment(0, 0, 0), segment(5, 0, 0), segment(5, 1, 0)] == ["n", "u", "d"]
    assert [segment(5, 0, 2), segment(4, 0, 2), segment(1, 0, 1)] == ["p", "f", "f"]


def test_bars_uptime_and_sparkline_come_from_the_columns() -> None:
    s = Series((4, 0, 6), (3, 0, 4), (0, 0, 2), (1, 0, 0), (0, 0, 0), (0.04, 0.0, 0.3), (0.02, 0.0, 0.1))
    assert bar(s, 3) == "pnd" and bar(None, 3) == "nnn"
    assert uptime(s) == 90.0 and uptime(None) is None
    assert spark(s) == [10.0, None, 50.0] and spark(None) == []


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[tuple[Monitor, StatusPage, str]]:
    """A monitor on a refused port (down after one result) with its recorder, and its page on a real server;
    the monitor is not running yet."""
    store = f"sqlite:///{tmp_path}/h.db"
    recorder = Recorder(open_store(store), flush_every=0.05)
    recorder.start()
    with ClosedPort() as closed:
        text = (
            "environment: page\ndefaults: {interval: 0.1s, failure_threshold: 1}\ncomponents:\n"
            f"  - {{name: gone, kind: tcp, host: 127.0.0.1, port: {closed.port}, category: edge}}\n"
        )
        monitor = Monitor(parse_config(text, "page.yaml"), vantage="here", recorder=recorder)
        status = await StatusPage(monitor, open_store(store), token=TOKEN).start()
        monitor.listeners.append(status)
        server = await HttpServer([status.handle], "127.0.0.1", 0).start()
        try:
            yield monitor, status, f"http://127.0.0.1:{server.port}"
        finally:
            await server.close()
            await status.close()
            recorder.close()


@asynccontextmanager
async def _down(monitor: Monitor) -> AsyncIterator[None]:
    """The monitor running, from the moment its component is down."""
    stop = asyncio.Event()
    running = asyncio.create_task(monitor.run(stop))
    try:
        for _ in range(200):  # bounded: 10 s
            if monitor.trackers["gone"].state is State.DOWN:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the refused port never went down")
        yield
    finally:
        stop.set()
        await running


async def test_details_go_only_to_the_token(page: tuple[Monitor, StatusPage, str]) -> None:
    monitor, _, url = page
    async with _down(monitor), httpx.AsyncClient(base_url=url) as client:
        anonymous = (await client.get("/status.json")).json()
        wrong = (await client.get("/status.json", headers={"authorization": "Bearer nope"})).json()
        in_query = (await client.get(f"/status.json?token={TOKEN}")).json()
        bearer = (await client.get("/status.json", headers={"authorization": f"Bearer {TOKEN}"})).json()
        header = (await client.get("/status.json", headers={"x-health-token": TOKEN})).json()
    for body in (anonymous, wrong, in_query):
        (gone,) = body["components"]
        assert body["detail"] is False and not {"target", "evidence", "guidance", "message"} & set(gone)
        assert (gone["state"], gone["cause"], gone["layer"], gone["category"]) == (
            "down", "connection_refused", "infrastructure", "edge",
        )  # fmt: skip
    for body in (bearer, header):
        (gone,) = body["components"]
        assert body["detail"] is True and "127.0.0.1:" in gone["target"]
        assert "Connect call failed" in gone["evidence"] and "Confirmed if" in gone["guidance"]


async def test_the_event_stream_sends_each_change_and_the_page_is_served_whole(
    page: tuple[Monitor, StatusPage, str],
) -> None:
    monitor, _, url = page
    events: list[str] = []
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        index = await client.get("/")
        assert index.headers["content-type"].startswith("text/html") and "EventSource" in index.text
        assert (
            ".badge{" in index.text and "<link" not in index.text and "src=" not in index.text
        )  # one request
        assert (await client.get("/nothing")).status_code == 404
        async with client.stream("GET", "/events") as stream:
            assert stream.headers["content-type"] == "text/event-stream"
            stop = asyncio.Event()
            running = asyncio.create_task(monitor.run(stop))
            async with asyncio.timeout(10):
                async for line in stream.aiter_lines():
                    events.append(line)
                    if line.startswith("data:") and events[-2] == "event: state":
                        break
            stop.set()
            await running
    update = json.loads(events[-1].removeprefix("data:"))
    (gone,) = update["components"]
    assert gone["name"] == "gone" and gone["state"] == "down" and "target" not in gone


async def test_history_is_reread_after_a_change_and_bars_show_it(
    page: tuple[Monitor, StatusPage, str],
) -> None:
    monitor, status, url = page
    seen = status.history_version
    async with _down(monitor):
        for _ in range(100):  # bounded: the page re-reads about a second after the change
            if status.history_version > seen and status.history.incidents:
                break
            await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=url) as client:
            anonymous = (await client.get("/status.json")).json()
            detailed = (await client.get("/status.json", headers={"x-health-token": TOKEN})).json()
    (gone,) = anonymous["components"]
    (incident,) = anonymous["incidents"]
    assert (incident["component"], incident["cause"], incident["end"]) == ("gone", "connection_refused", None)
    assert "evidence" not in incident and "Connect call failed" in detailed["incidents"][0]["evidence"]
    assert gone["bars"]["24h"][-1] == "f" and gone["bars"]["7d"][-1] == "f" and len(gone["bars"]["24h"]) == 24
    assert gone["uptime"]["24h"] == 0.0 and gone["spark"][-1] is not None
    assert status.history.now - status.history.incidents[0].start < timedelta(minutes=1)


async def test_the_page_carries_its_first_screenful(tmp_path: Path) -> None:
    """The first rows paint from the page itself: the first components in the page's order (categories as they
    first appear, not config order), public fields only, every state counted, and no config text can close
    the script element it sits in."""
    with ClosedPort() as closed:
        lines = [
            f"  - {{name: c{i:02d}, kind: tcp, host: 127.0.0.1, port: {closed.port}, "
            f"category: '{'</script><b>' if i % 2 else 'even'}'}}"
            for i in range(FIRST_ROWS + 10)
        ]
        text = "environment: page\ndefaults: {interval: 60s}\ncomponents:\n" + "\n".join(lines) + "\n"
        monitor = Monitor(parse_config(text, "page.yaml"), vantage="here")
        status = await StatusPage(monitor, open_store(f"sqlite:///{tmp_path}/h.db"), token=TOKEN).start()
        server = await HttpServer([status.handle], "127.0.0.1", 0).start()
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
                html = (await client.get("/", headers={"authorization": f"Bearer {TOKEN}"})).text
        finally:
            await server.close()
            await status.close()
    assert "</script><b>" not in html
    data = json.loads(html.split('type="application/json">')[1].split("</script>")[0])
    assert data["partial"] is True and data["detail"] is False and "target" not in data["components"][0]
    names = [c["name"] for c in data["components"]]
    evens = [f"c{i:02d}" for i in range(0, FIRST_ROWS + 10, 2)]
    assert names == (evens + [f"c{i:02d}" for i in range(1, FIRST_ROWS + 10, 2)])[:FIRST_ROWS]
    assert data["counts"] == {"unknown": FIRST_ROWS + 10} and data["incidents"] == []


async def test_one_address_serves_the_page_and_the_metrics(page: tuple[Monitor, StatusPage, str]) -> None:
    monitor, status, _ = page
    server = await MetricsServer(monitor, "127.0.0.1", 0, also=[status.handle]).start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
            assert "<title>Status" in (await client.get("/")).text
            assert "infraprobe_state" in (await client.get("/metrics")).text
            assert (await client.get("/status.json")).json()["vantage"] == "here"
    finally:
        await server.close()


def test_history_shows_late_rows_and_follows_the_hour(tmp_path: Path) -> None:
    """Every read is whole: a row flushed late into an older hour shows at the next read, compacted or not, and
    the window moves when the hour turns."""
    store = open_store(f"sqlite:///{tmp_path}/h.db")
    now = T0 + timedelta(minutes=30)  # 10:30
    store.write(
        [obs("a", at=T0 - timedelta(hours=2)), obs("a", Status.FAIL, at=T0 + timedelta(minutes=5))], []
    )
    first = load_history(store, now)
    assert bar(first.hours["a"], 24)[-3:] == "unf" and len(first.hours["a"].total) == 24
    late = obs("a", Status.FAIL, at=T0 - timedelta(hours=2))  # flushed late into an older hour
    fresh = [obs(name, at=T0 + timedelta(minutes=20)) for name in ("a", "a", "b")]
    store.write([late, *fresh], [])
    again = load_history(store, now + timedelta(minutes=10))
    assert bar(again.hours["a"], 24)[-3:] == "fnp" and again.hours["b"].total[-1] == 1
    assert again.days["a"].total[-1] == 5
    store.compact(now + timedelta(minutes=10), Retention())
    turned = load_history(store, now + timedelta(hours=1))  # a new hour
    assert bar(turned.hours["a"], 24)[-4:] == "fnpn" and turned.days == again.days
    store.close()
