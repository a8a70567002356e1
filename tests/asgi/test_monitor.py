"""The background monitor: single flight, one check per interval, deadlines, staleness."""

from __future__ import annotations

import asyncio
import time

import pytest

from infraprobe.asgi import Dependency, HealthStatus, ManualClock, Monitor, SystemClock
from infraprobe.result import Status
from infraprobe.taxonomy import Cause
from tests.asgi.conftest import FakeChecker, tcp


def monitor(checker: FakeChecker, clock: object = None, **kw: float) -> Monitor:
    component = tcp("db", timeout=kw.pop("timeout", 1.0))
    return Monitor(
        Dependency(component),
        interval=kw.pop("interval", 10.0),
        staleness=kw.pop("staleness", None),
        check=checker.check,
        clock=clock or SystemClock(),  # type: ignore[arg-type]
        **kw,
    )


async def test_concurrent_callers_share_one_check() -> None:
    """Fifty callers at once cause one check, and all of them get its result."""
    checker = FakeChecker(delay=0.05)
    mon = monitor(checker)
    results = await asyncio.gather(*(mon.check_now() for _ in range(50)))
    assert checker.calls["db"] == 1
    assert len({id(r) for r in results}) == 1


async def test_loop_checks_once_per_interval() -> None:
    """The loop starts a check at most once per interval and never two at a time."""
    checker = FakeChecker(delay=0.01)
    mon = monitor(checker, interval=0.1)
    task = asyncio.create_task(mon.run_forever())
    await asyncio.sleep(0.55)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert 5 <= checker.calls["db"] <= 6
    assert checker.max_in_flight["db"] == 1


async def test_hanging_check_becomes_a_failure_at_its_deadline() -> None:
    """A checker that ignores its timeout still yields a fail result at timeout plus grace."""
    checker = FakeChecker()
    checker.hang.add("db")
    mon = monitor(checker, timeout=0.1, grace=0.1)
    start = time.monotonic()
    res = await mon.check_now()
    assert time.monotonic() - start < 0.5
    assert res.status is Status.FAIL
    assert res.diagnosis is not None
    assert res.diagnosis.cause is Cause.READ_TIMEOUT


async def test_crashing_checker_is_reported_not_raised() -> None:
    """An exception from the checker becomes a fail result; the monitor keeps working."""

    async def boom(component: object) -> object:
        raise RuntimeError("kaboom")

    mon = monitor(FakeChecker())
    mon._check = boom  # type: ignore[assignment]
    res = await mon.check_now()
    assert res.status is Status.FAIL
    assert "kaboom" in res.message


async def test_cancelled_caller_does_not_cancel_the_check() -> None:
    """A caller giving up (a start-up phase timing out) leaves the shared check to finish."""
    checker = FakeChecker(delay=0.1)
    mon = monitor(checker)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.02):
            await mon.check_now()
    res = await mon.check_now()  # joins the same flight
    assert res.status is Status.OK
    assert checker.calls["db"] == 1


async def test_old_pass_is_stale_warn_never_pass() -> None:
    """Past its staleness limit a pass reads as warn; a fail stays fail."""
    clock = ManualClock()
    checker = FakeChecker()
    mon = monitor(checker, clock, interval=5, staleness=15)
    await mon.check_now()
    assert mon.view(clock.monotonic()).status is HealthStatus.PASS
    clock.advance(16)
    view = mon.view(clock.monotonic())
    assert view.stale
    assert view.status is HealthStatus.WARN
    checker.set("db", Status.FAIL, Cause.CONNECTION_REFUSED)
    await mon.check_now()
    clock.advance(16)
    assert mon.view(clock.monotonic()).status is HealthStatus.FAIL


def test_staleness_must_exceed_interval() -> None:
    """A staleness limit shorter than the interval would report every result stale: rejected."""
    with pytest.raises(ValueError, match="staleness"):
        monitor(FakeChecker(), interval=10, staleness=5)


async def test_delay_until_due_counts_from_check_start() -> None:
    """The next check is due one interval after the previous one started."""
    clock = ManualClock()
    mon = monitor(FakeChecker(), clock, interval=5)
    assert mon.delay_until_due() == 0
    await mon.check_now()
    clock.advance(2)
    assert mon.delay_until_due() == pytest.approx(3)
