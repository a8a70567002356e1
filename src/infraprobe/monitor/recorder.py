"""Getting results into the store without ever making probing wait for it.

The monitor's loop only appends to an in-memory buffer. A writer thread commits the buffer every
`flush_every` seconds (0.5 s: a SIGKILL loses at most the last second) and on `close()` (SIGTERM, Ctrl-C:
nothing lost). When the store is unreachable the rows stay buffered, up to `max_buffered` results
(the oldest are dropped beyond that, and counted), and go in when it returns; probing carries on and the
recorder says so through `notice`. The same thread rolls up and expires history every `compact_every` s.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from infraprobe.monitor.state import Observation, Transition
from infraprobe.monitor.store.base import Retention, Store, StoreUnavailable
from infraprobe.monitor.verdict_log import VantageEvent, VerdictChange

_log = logging.getLogger("infraprobe.monitor")

DEFAULT_MAX_BUFFERED = 100_000  # results; at ~1 kB each, about 100 MB at worst
_CHUNK = 10_000  # rows per transaction
_RETRY_MAX = 2.0  # seconds between attempts while the store is down


@dataclass(frozen=True, slots=True)
class RecorderStatus:
    available: bool
    buffered: int
    dropped: int
    written: int
    last_error: str = ""


class Recorder:
    def __init__(
        self,
        store: Store,
        *,
        flush_every: float = 0.5,
        max_buffered: int = DEFAULT_MAX_BUFFERED,
        compact_every: float = 60.0,
        retention: Retention | None = None,
        notice: Callable[[str], None] = _log.warning,
    ) -> None:
        self.store = store
        self._flush_every, self._max, self._compact_every = flush_every, max_buffered, compact_every
        self._retention = retention or Retention()
        self._notice = notice
        self._lock = threading.Lock()
        self._observations: deque[Observation] = deque()
        self._transitions: deque[Transition] = deque()
        self._quorum: deque[VerdictChange | VantageEvent] = deque()  # few: kept whole, like transitions
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="infraprobe-recorder", daemon=True)
        self._available, self._error = True, ""
        self._dropped = self._written = 0
        self._next_compact = time.monotonic() + compact_every
        self._deadline = float("inf")  # set by close(): how long the last flush may wait for the store

    # -- from the monitor's loop -------------------------------------------------------------------

    def add(self, observation: Observation, transition: Transition | None = None) -> None:
        with self._lock:
            self._observations.append(observation)
            if transition is not None:
                self._transitions.append(transition)
            self._trim()

    def add_transitions(self, transitions: Sequence[Transition]) -> None:
        """Changes with no result of their own (a component removed from the config)."""
        with self._lock:
            self._transitions.extend(transitions)

    def add_quorum(self, verdicts: Sequence[VerdictChange], events: Sequence[VantageEvent]) -> None:
        """The quorum's verdict changes and vantage events, written with the next flush."""
        if verdicts or events:
            with self._lock:
                self._quorum.extend(verdicts)
                self._quorum.extend(events)

    def status(self) -> RecorderStatus:
        with self._lock:
            buffered = len(self._observations)
            return RecorderStatus(self._available, buffered, self._dropped, self._written, self._error)

    def start(self) -> None:
        self._thread.start()

    def close(self, timeout: float = 30.0) -> RecorderStatus:
        """Write everything buffered (waiting up to `timeout` for an unavailable store), then stop."""
        self._deadline = time.monotonic() + timeout
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout + 5.0)  # a write in progress may take its connect timeout
        else:
            self._flush_all(self._deadline)
        status = self.status()
        if not self._thread.is_alive():
            self.store.close()
        return status

    # -- the writer thread -------------------------------------------------------------------------

    def _loop(self) -> None:
        backoff = self._flush_every
        while not self._stop.wait(backoff):
            backoff = self._flush_every if self._flush_once() else min(_RETRY_MAX, backoff * 2)
            if self._available and time.monotonic() >= self._next_compact:
                self._compact()
        self._flush_all(self._deadline)

    def _flush_all(self, deadline: float) -> None:
        while self._pending() and time.monotonic() < deadline:
            if not self._flush_once():
                time.sleep(0.2)

    def _pending(self) -> bool:
        with self._lock:
            return bool(self._observations or self._transitions or self._quorum)

    def _flush_once(self) -> bool:
        """Write what is buffered now, a chunk per transaction. False when the store is unavailable."""
        while True:
            observations, transitions, quorum = self._take()
            if not observations and not transitions and not quorum:
                return True
            verdicts = [q for q in quorum if isinstance(q, VerdictChange)]
            events = [q for q in quorum if isinstance(q, VantageEvent)]
            try:
                self.store.write(observations, transitions, verdicts, events)
            except StoreUnavailable as exc:
                self._put_back(observations, transitions, quorum, str(exc))
                return False
            self._written_ok(len(observations))

    def _take(self) -> tuple[list[Observation], list[Transition], list[VerdictChange | VantageEvent]]:
        with self._lock:
            n = min(_CHUNK, len(self._observations))
            observations = [self._observations.popleft() for _ in range(n)]
            transitions, quorum = list(self._transitions), list(self._quorum)
            self._transitions.clear()
            self._quorum.clear()
        return observations, transitions, quorum

    def _put_back(
        self,
        observations: list[Observation],
        transitions: list[Transition],
        quorum: list[VerdictChange | VantageEvent],
        error: str,
    ) -> None:
        with self._lock:
            self._observations.extendleft(reversed(observations))
            self._transitions.extendleft(reversed(transitions))
            self._quorum.extendleft(reversed(quorum))
            self._trim()
            buffered, first = len(self._observations), self._available
            self._available, self._error = False, error
        if first:
            self._notice(
                f"store unavailable ({error}); probing continues, buffering up to {self._max} results "
                f"in memory ({buffered} now)"
            )

    def _written_ok(self, count: int) -> None:
        with self._lock:
            self._written += count
            recovered, buffered = not self._available, len(self._observations)
            self._available, self._error = True, ""
        if recovered:
            self._notice(f"store available again: writing buffered results ({buffered} still to write)")

    def _trim(self) -> None:
        """Keep the newest `max_buffered` results: when memory must give, the oldest go (and are counted)."""
        while len(self._observations) > self._max:
            self._observations.popleft()
            self._dropped += 1

    def _compact(self) -> None:
        self._next_compact = time.monotonic() + self._compact_every
        try:
            self.store.compact(datetime.now(UTC), self._retention)
        except StoreUnavailable as exc:
            self._notice(f"history compaction postponed: {exc}")
