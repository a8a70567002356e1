"""Deliveries off the probing path: a bounded queue in, the store's outbox, one worker per provider.

The monitor's loop only `submit`s a decision (never blocks: when the queue is full the decision is dropped,
counted and said). A dispatcher thread writes decisions to the store (incident and pending deliveries, one
transaction each), hands due deliveries to the providers' workers, and records every attempt: sent, retried
later with doubling backoff, or failed for good once the attempts run out. Each provider has at most one
delivery in flight, so a provider that hangs holds up only its own deliveries, for at most its timeout.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from infraprobe.alerts.policy import Decision
from infraprobe.alerts.providers import DeliveryFailed, Sender
from infraprobe.configfile.alerts import Retry
from infraprobe.monitor.store.base import Store, StoreUnavailable
from infraprobe.monitor.store.ledger import Delivery, Outgoing

_log = logging.getLogger("infraprobe.alerts")

DEFAULT_MAX_QUEUE = 1000
_DUE_BATCH = 500


@dataclass(frozen=True, slots=True)
class _Attempt:
    delivery: Delivery
    error: str  # "" when the provider accepted it


def _now() -> datetime:
    return datetime.now(UTC)


class Dispatcher:
    def __init__(
        self,
        store: Store,
        senders: Mapping[str, Sender],
        retry: Retry,
        *,
        redact: Callable[[str], str] = str,
        notice: Callable[[str], None] = _log.warning,
        max_queue: int = DEFAULT_MAX_QUEUE,
        poll: float = 0.2,
        lease: float = 60.0,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.store, self.senders, self._retry = store, senders, retry
        self._redact, self._notice, self._poll, self._clock = redact, notice, poll, clock
        self._lease = (
            lease  # a claimed delivery is due again after this long if its attempt is never recorded
        )
        self._queue: queue.Queue[Decision] = queue.Queue(max_queue)
        self._unsaved: list[Decision] = []  # taken from the queue, not in the store yet (store down)
        self._attempts: queue.SimpleQueue[_Attempt] = queue.SimpleQueue()
        self._unrecorded: list[_Attempt] = []
        self._busy: set[str] = set()  # providers with a delivery in flight
        # Sized for more providers than at start: a config reload may add some, and each needs its own worker.
        self._pool = ThreadPoolExecutor(max(8, len(senders)), thread_name_prefix="infraprobe-alert")
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._loop, name="infraprobe-alerts", daemon=True)
        self.dropped = 0
        self._store_error = ""
        self._deadline = datetime.max.replace(tzinfo=UTC)  # set by close(): how long to finish in flight

    # -- from the monitor's loop -----------------------------------------------------------------------

    def submit(self, decision: Decision) -> None:
        try:
            self._queue.put_nowait(decision)
        except queue.Full:
            self.dropped += 1
            if self.dropped == 1:
                self._notice(f"alert queue full ({self._queue.maxsize}): dropping alert decisions")
        self._wake.set()

    def start(self) -> None:
        self._thread.start()

    def reconfigure(
        self, senders: Mapping[str, Sender], retry: Retry, redact: Callable[[str], str], lease: float
    ) -> None:
        """From a config reload: each is replaced whole, so the dispatcher thread sees the old or the new."""
        self.senders, self._retry, self._redact, self._lease = senders, retry, redact, lease

    def close(self, timeout: float = 10.0) -> None:
        """Save what is queued and wait up to `timeout` for deliveries in flight; the rest stays pending."""
        self._deadline = self._clock() + timedelta(seconds=timeout)
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout + 1.0)
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- the dispatcher thread ---------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._poll)
            self._wake.clear()
            self._step(send=True)
        while (self._busy or not self._queue.empty()) and self._clock() < self._deadline:
            self._step(send=False)
            self._wake.wait(0.05)
            self._wake.clear()
        self._step(send=False)

    def _step(self, *, send: bool) -> None:
        try:
            self._save()
            self._record()
            if send:
                self._dispatch()
        except StoreUnavailable as exc:
            if not self._store_error:
                self._notice(f"alerts wait for the store ({exc}); decisions are kept in memory")
            self._store_error = str(exc)
            return
        if self._store_error:
            self._store_error = ""
            self._notice("alerts: store available again")

    def _save(self) -> None:
        while True:
            try:
                self._unsaved.append(self._queue.get_nowait())
            except queue.Empty:
                break
        while self._unsaved:
            d = self._unsaved[0]
            providers = self._down_page_providers(d) if d.as_down_page else d.providers
            outgoing = [Outgoing(d.component, d.event, p, d.payload) for p in providers] if d.event else []
            # False: another monitor sharing the store made this change and sends its page.
            self.store.save_alert(d.component, d.incident, outgoing, self._clock(), d.remind_due)
            self._unsaved.pop(0)

    def _down_page_providers(self, d: Decision) -> tuple[str, ...]:
        """The providers the incident's down page was queued for (its `id` names the incident)."""
        opened = datetime.fromisoformat(str(d.payload.get("since")))
        pages = self.store.deliveries(opened, [d.component])
        found = [
            p.provider for p in pages if p.event == "down" and p.payload.get("id") == d.payload.get("id")
        ]
        return tuple(dict.fromkeys(found)) or d.providers

    def _record(self) -> None:
        while True:
            try:
                self._unrecorded.append(self._attempts.get_nowait())
            except queue.Empty:
                break
        while self._unrecorded:
            attempt = self._unrecorded[0]
            self._record_one(attempt)
            self._unrecorded.pop(0)
            self._busy.discard(attempt.delivery.provider)

    def _record_one(self, attempt: _Attempt) -> None:
        d, now = attempt.delivery, self._clock()
        tries = d.attempts + 1
        retry_at = None
        if attempt.error and tries < self._retry.attempts:
            retry_at = now + timedelta(seconds=self._retry.delay(tries))
        self.store.delivery_attempted(d.id, now, attempt.error, retry_at)
        what = f"alert {d.event} for {d.component} to {d.provider}"
        if not attempt.error:
            self._notice(f"{what}: sent")
        elif retry_at is not None:
            wait = (retry_at - now).total_seconds()
            self._notice(f"{what}: attempt {tries} failed ({attempt.error}); retrying in {wait:g}s")
        else:
            self._notice(f"{what}: failed after {tries} attempt(s) ({attempt.error}); giving up")

    def _dispatch(self) -> None:
        for d in self.store.claim_due(self._clock(), _DUE_BATCH, self._lease, sorted(self._busy)):
            sender = self.senders.get(d.provider)
            if sender is None:
                self._attempts.put(_Attempt(d, f"no provider named {d.provider!r} in the config now"))
                continue
            self._busy.add(d.provider)
            self._pool.submit(self._attempt, sender, d)
        if not self._attempts.empty():
            self._wake.set()

    def _attempt(self, sender: Sender, d: Delivery) -> None:
        """In a provider's worker thread: one delivery attempt, its outcome queued for the dispatcher."""
        try:
            sender.send(d.payload)
            error = ""
        except DeliveryFailed as exc:
            error = self._redact(str(exc))
        except Exception as exc:  # a bug in a sender must not kill its worker and leave the provider busy
            error = self._redact(f"{type(exc).__name__}: {exc}")
        self._attempts.put(_Attempt(d, error or ""))
        self._wake.set()
