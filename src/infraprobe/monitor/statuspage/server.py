"""The status page's routes on the monitor's HTTP server, its event stream, and its history cache.

A `StatusPage` is a monitor `Listener`: each transition bumps a version and wakes the event streams, which
send the changed components' states (public fields only) within a quarter of a second. History (bars,
sparklines, incidents) is read from the page's own store connection in a worker thread, every `refresh`
seconds and shortly after a transition, never on a request: a page load only encodes what is cached.

Routes: `/` (the page: one document with its style, its script and the first screenful of components, so the
first rows paint without another request), `/status.json` (the whole page; details with the token),
`/events` (server-sent events: `state` with changed components, `history` when the bars were re-read).
Read-only: nothing here runs a check or writes anything.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from importlib.resources import files

from infraprobe.monitor.engine import Monitor
from infraprobe.monitor.http import Reply, Request, Stream
from infraprobe.monitor.state import Observation, Tracker, Transition
from infraprobe.monitor.statuspage import body
from infraprobe.monitor.statuspage.history import PageHistory, load_history
from infraprobe.monitor.store.base import Store, StoreUnavailable
from infraprobe.tokens import DetailGate, presented_token

_log = logging.getLogger("infraprobe.monitor")

JSON = "application/json"
NO_STORE = (("cache-control", "no-store"),)
HEARTBEAT = 15.0  # seconds between SSE comments: proxies keep the stream open, dead clients are noticed
DEBOUNCE = 0.25  # transitions arriving together go out as one event
SETTLE = 1.0  # after a transition, wait for the recorder's flush before re-reading history
HTML = "text/html; charset=utf-8"
# What the first paint needs of 1,000 components: a screenful, with room for tall screens. Measured
# (bench/bench_statuspage.py): painting from the page itself, not after fetching /status.json, is what keeps
# the first row under 500 ms on a loaded machine.
FIRST_ROWS = 40


def _asset(name: str) -> bytes:
    return files("infraprobe.monitor.statuspage").joinpath("assets", name).read_bytes()


def _template() -> tuple[bytes, bytes]:
    """The page around its first screenful's JSON, with the style and the script in place."""
    page = _asset("index.html")
    page = page.replace(b"/*status.css*/", _asset("status.css").strip())
    page = page.replace(b"/*status.js*/", _asset("status.js").strip())
    before, _, after = page.partition(b"/*first-screen*/")
    return before, after


class StatusPage:
    def __init__(
        self,
        monitor: Monitor,
        store: Store | None,
        *,
        token: str | None = None,
        expose_details: bool = False,
        refresh: float = 30.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.monitor, self.store, self.refresh = monitor, store, refresh
        self.gate = DetailGate(token, expose_details=expose_details)
        self._now = now
        self._template = _template()
        self._reasons: dict[str, Transition] = {}
        self.version = 0  # bumped by every transition
        self._changed: dict[str, int] = {}  # component -> version of its latest change
        self._tick = asyncio.Event()  # set, and replaced, at every change: what event streams wait on
        self.history = PageHistory.empty(self._now())
        self.history_version = 0
        self._reread = asyncio.Event()
        self._cache: dict[tuple[str, int, int], bytes] = {}  # (document, version, history_version)
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    # -- as a Listener ------------------------------------------------------------------------------

    def observed(self, obs: Observation, tracker: Tracker, transition: Transition | None) -> None:
        if transition is None:
            return
        self._reasons[transition.component] = transition
        self.version += 1
        self._changed[transition.component] = self.version
        self._reread.set()
        self._wake()

    def notice(self, message: str) -> None:
        """Notices (reloads, store outages) go to the monitor's output, not the page."""

    def _wake(self) -> None:
        tick, self._tick = self._tick, asyncio.Event()
        tick.set()

    # -- lifecycle ----------------------------------------------------------------------------------

    async def start(self) -> StatusPage:
        await self._load()
        self._task = asyncio.create_task(self._refresh_loop(), name="statuspage-history")
        return self

    async def close(self) -> None:
        self._closed = True
        self._wake()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self.store is not None:
            await asyncio.to_thread(self.store.close)

    async def _refresh_loop(self) -> None:
        while True:
            try:
                async with asyncio.timeout(self.refresh):
                    await self._reread.wait()
                # Cleared before waiting: a change during the wait asks for one more read after this one.
                self._reread.clear()
                await asyncio.sleep(SETTLE)
            except TimeoutError:
                pass
            await self._load()
            self._wake()

    async def _load(self) -> None:
        if self.store is None:
            return
        names = [c.name for c in self.monitor.components]
        try:
            self.history = await asyncio.to_thread(load_history, self.store, self._now(), names)
        except StoreUnavailable as exc:
            _log.warning("status page: history not refreshed: %s", exc)
            return
        self.history_version += 1

    # -- routes -------------------------------------------------------------------------------------

    async def handle(self, request: Request) -> Reply | Stream | None:
        if request.path == "/":
            return Reply(200, self._cached("index", self._index), HTML, NO_STORE)
        if request.path == "/status.json":
            detail = self.gate.allows(presented_token(request.headers))
            return Reply(200, self.page(detail), JSON, NO_STORE)
        if request.path == "/events":
            return Stream("text/event-stream", self.events(), NO_STORE)
        return None

    def page(self, detail: bool) -> bytes:
        return self._cached("detail" if detail else "public", lambda: body.encode(self._body(detail)))

    def _cached(self, document: str, build: Callable[[], bytes]) -> bytes:
        key = (document, self.version, self.history_version)
        cached = self._cache.get(key)
        if cached is None:
            if any(k[1:] != key[1:] for k in self._cache):
                self._cache.clear()  # older versions are never asked for again
            cached = self._cache[key] = build()
        return cached

    def _index(self) -> bytes:
        first = body.first_screen(
            self.live(), self.history, now=self._now(), vantage=self.monitor.vantage,
            redact=self.monitor.loaded.redactor, rows=FIRST_ROWS,
        )  # fmt: skip
        # In a <script> element: "<" escaped, so no text from the config can close it.
        data = body.encode(first).replace(b"<", b"\\u003c")
        return self._template[0] + data + self._template[1]

    def _body(self, detail: bool) -> body.Body:
        return body.page(
            self.live(),
            self.history,
            now=self._now(),
            vantage=self.monitor.vantage,
            detail=detail,
            redact=self.monitor.loaded.redactor,
        )

    def live(self, names: set[str] | None = None) -> list[body.Live]:
        # With a quorum the page shows the verdict across vantages, as alerts do; without, this vantage's state.
        quorum = self.monitor.quorum
        trackers = quorum.trackers if quorum is not None else self.monitor.trackers
        return [
            body.Live(
                c, trackers[c.name], self._reasons.get(c.name), self._vantages(c.name, trackers[c.name])
            )
            for c in self.monitor.components
            if c.name in trackers and (names is None or c.name in names)
        ]

    def _vantages(self, name: str, tracker: Tracker) -> body.Vantages:
        quorum = self.monitor.quorum
        verdict = quorum.verdicts.get(name) if quorum is not None else None
        if verdict is None:
            return body.Vantages(((self.monitor.vantage, tracker.state.value),))
        seen = [
            (vantage, state)
            for state, names in (
                ("down", verdict.down), ("degraded", verdict.degraded), ("up", verdict.up),
                ("undecided", verdict.undecided), ("set aside", verdict.set_aside),
            )
            for vantage in names
        ]  # fmt: skip
        return body.Vantages(tuple(sorted(seen)), verdict.summary())

    async def events(self) -> AsyncIterator[bytes]:
        """The event stream of one client: changed states, and a nudge when history was re-read."""
        yield b"retry: 2000\n\n"
        seen, seen_history = self.version, self.history_version
        while not self._closed:
            tick = self._tick  # taken before looking: a change from here on sets this one
            if self.version == seen and self.history_version == seen_history:
                try:
                    await asyncio.wait_for(tick.wait(), HEARTBEAT)
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                await asyncio.sleep(DEBOUNCE)
            if self.version != seen:
                changed = {n for n, v in self._changed.items() if v > seen}
                seen = self.version
                yield _event("state", body.encode(body.states(self.live(changed))))
            if self.history_version != seen_history:
                seen_history = self.history_version
                yield _event("history", body.encode({"history_at": self.history.now.isoformat()}))


def _event(name: str, data: bytes) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + data + b"\n\n"
