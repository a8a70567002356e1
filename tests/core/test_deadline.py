"""within(): asyncio.timeout's semantics for one awaitable, the deadline under every check."""

from __future__ import annotations

import asyncio
import time

import pytest

from infraprobe.deadline import within


async def test_a_result_in_time_passes_through() -> None:
    """An awaitable that finishes first returns its value, and the task is left with no cancel request."""
    assert await within(5, asyncio.sleep(0, "done")) == "done"
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0


async def test_the_deadline_raises_timeout_error_and_clears_its_cancel() -> None:
    """Past the deadline the awaitable is cancelled, TimeoutError comes out, and the cancel is taken back."""
    stopped = asyncio.Event()

    async def slow() -> None:
        try:
            await asyncio.sleep(10)
        finally:
            stopped.set()

    with pytest.raises(TimeoutError):
        await within(0.01, slow())
    task = asyncio.current_task()
    assert stopped.is_set() and task is not None and task.cancelling() == 0


async def test_a_cancel_from_outside_stays_a_cancel() -> None:
    """A task cancelled by someone else (a shutdown) sees CancelledError, never a timeout."""
    started = asyncio.Event()

    async def checked() -> None:
        started.set()
        await within(10, asyncio.sleep(10))

    task = asyncio.create_task(checked())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_an_outside_cancel_due_with_the_deadline_is_not_swallowed() -> None:
    """Both requests pending at once: the outer one stays a CancelledError (asyncio.timeout does the same)."""

    async def checked() -> None:
        task = asyncio.current_task()
        assert task is not None

        async def blocks() -> None:
            asyncio.get_running_loop().call_later(0.02, task.cancel)  # someone else's cancel
            time.sleep(0.05)  # noqa: ASYNC251  (blocks on purpose: both fall due before the loop runs again)
            await asyncio.sleep(10)

        await within(0.01, blocks())

    with pytest.raises(asyncio.CancelledError):
        await asyncio.create_task(checked())
