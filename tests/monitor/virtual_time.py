"""An event loop whose clock jumps to its next timer instead of waiting for it.

The scheduler's tests are about the plan (first runs at once, intervals with jitter, slots, skips), not about
how busy the machine is: on real time a loaded machine stalls the loop for tenths of a second and the plan looks
wrong. Here time only moves when the loop has nothing ready to run, and then straight to the next timer, so a
stalled loop costs no virtual time and a 3,600 s sleep costs none of the real kind. Sockets still work: the
selector is polled first and only an idle loop jumps.
"""

from __future__ import annotations

import asyncio
import functools
import selectors
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

T = TypeVar("T")


class _JumpingSelector(selectors.DefaultSelector):
    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:  # nothing scheduled: only another thread or a socket can wake the loop
            return super().select(None)
        self.now += timeout
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self._jumping = _JumpingSelector()
        super().__init__(selector=self._jumping)

    def time(self) -> float:
        return self._jumping.now


class LoopClock:
    """The scheduler's clock seam, read from the running loop (virtual here)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._start = start or datetime(2025, 1, 1, tzinfo=UTC)

    def monotonic(self) -> float:
        return asyncio.get_running_loop().time()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic())


def run_virtual(main: Coroutine[Any, Any, T]) -> T:
    loop = VirtualTimeLoop()
    try:
        return loop.run_until_complete(main)
    finally:
        loop.close()


def virtual(test: Callable[[], Coroutine[Any, Any, None]]) -> Callable[[], None]:
    """Run an async test on its own virtual-time loop (pytest-asyncio's loop runs on real time)."""

    @functools.wraps(test)
    def run() -> None:
        run_virtual(test())

    return run


def now() -> float:
    return asyncio.get_running_loop().time()
