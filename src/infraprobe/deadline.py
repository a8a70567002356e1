"""`within(delay, awaitable)`: asyncio.timeout's semantics for one awaitable, at a fraction of its CPU.

The runner puts every check under its deadline, so this runs once per probe. asyncio.timeout's Timeout (a
state machine, enter/exit coroutines, a reschedule path) cost as much CPU as a whole no-op check; here only
the timer handle and a flag remain. The semantics are Timeout's (Python 3.11 `asyncio/timeouts.py`): the
deadline cancels the task, and that cancellation, and only that one, comes out as TimeoutError; a cancel
from outside (a shutdown) stays a CancelledError, counted so `Task.cancelling()` stays right.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


class _Timer:
    __slots__ = ("expired", "task")

    def __init__(self, task: asyncio.Task[object]) -> None:
        self.task = task
        self.expired = False

    def fire(self) -> None:
        self.expired = True
        self.task.cancel()


async def within(delay: float, awaitable: Awaitable[T]) -> T:
    """Await `awaitable`; after `delay` seconds cancel it and raise TimeoutError instead."""
    task = asyncio.current_task()
    if task is None:
        raise RuntimeError("within() must run inside a task")
    loop = asyncio.get_running_loop()
    timer = _Timer(task)
    cancelling = task.cancelling()
    handle = loop.call_at(loop.time() + delay, timer.fire)
    try:
        return await awaitable
    except asyncio.CancelledError as exc:
        if timer.expired:
            timer.expired = False  # our request is taken back here, not again below
            if task.uncancel() <= cancelling:
                raise TimeoutError from exc  # our own cancellation, and no other request since
        raise
    finally:
        handle.cancel()
        if timer.expired:  # the awaitable swallowed our cancellation: take the request back all the same
            task.uncancel()
