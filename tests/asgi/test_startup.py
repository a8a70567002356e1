"""Start-up phases: order, waiting with backoff, timeouts, failure messages, and what the endpoints show."""

from __future__ import annotations

import asyncio
import logging

import pytest

from infraprobe.asgi import Backoff, HealthApp, HealthChecks, Phase, Startup, StartupFailed
from infraprobe.result import Status
from infraprobe.taxonomy import Cause
from tests.asgi.conftest import FakeChecker, client, tcp

FAST = Backoff(initial=0.01, factor=2, maximum=0.02)


async def test_phases_run_in_order_and_log_start_and_end(
    checker: FakeChecker, caplog: pytest.LogCaptureFixture
) -> None:
    """Phases run one after another; each logs one line when it starts and one when it ends."""
    order: list[str] = []

    async def step(name: str) -> None:
        order.append(name)

    startup = Startup(
        [Phase("migrate", run=lambda: step("migrate")), Phase("warm", run=lambda: step("warm"))]
    )
    with caplog.at_level(logging.INFO, logger="infraprobe.startup"):
        await startup.run(checker.check)
    assert order == ["migrate", "warm"]
    lines = [r.getMessage() for r in caplog.records]
    assert [line.split(":")[1].split()[0] for line in lines] == ["started", "done", "started", "done"]
    assert startup.view().done


async def test_wait_for_retries_with_backoff_until_the_dependency_passes(checker: FakeChecker) -> None:
    """A dependency that fails twice, then passes: the phase waits, counting attempts."""
    db = tcp("db")
    outcomes = iter([Status.FAIL, Status.FAIL, Status.OK])

    async def flaky(component: object) -> object:
        checker.set("db", next(outcomes), Cause.CONNECTION_REFUSED)
        return await checker.check(db)

    startup = Startup([Phase("database", wait_for=db, timeout=5, backoff=FAST)])
    await startup.run(flaky)  # type: ignore[arg-type]
    phase = startup.view().phases[0]
    assert phase.state == "done"
    assert phase.attempts == 3


async def test_wait_that_times_out_names_phase_dependency_and_cause(
    checker: FakeChecker, caplog: pytest.LogCaptureFixture
) -> None:
    """Start-up fails with a message naming the phase, the dependency it waited for, and the cause."""
    checker.set("db", Status.FAIL, Cause.CONNECTION_REFUSED, "connect to 127.0.0.1:9 refused")
    startup = Startup([Phase("database", wait_for=tcp("db"), timeout=0.1, backoff=FAST), Phase("next")])
    with pytest.raises(StartupFailed) as info, caplog.at_level(logging.INFO, logger="infraprobe.startup"):
        await startup.run(checker.check)
    message = str(info.value)
    assert "phase 'database'" in message
    assert "tcp 'db'" in message
    assert "cause=connection_refused" in message
    assert info.value.cause is Cause.CONNECTION_REFUSED
    assert info.value.dependency == "db"
    assert "FAILED" in caplog.records[-1].getMessage()
    assert "cause=connection_refused" in caplog.text
    states = [p.state.value for p in startup.view().phases]
    assert states == ["failed", "pending"]


async def test_failing_action_is_classified_and_redacted(checker: FakeChecker) -> None:
    """A phase action that raises fails start-up; a DSN in its error text is masked."""

    async def migrate() -> None:
        raise RuntimeError("could not connect to postgresql://app:hunter2secret@db:5432/app")

    startup = Startup([Phase("migrate", run=migrate)])
    with pytest.raises(StartupFailed) as info:
        await startup.run(checker.check)
    assert "phase 'migrate'" in str(info.value)
    assert "hunter2secret" not in str(info.value)
    assert "hunter2secret" not in startup.view().phases[0].message


async def test_background_startup_is_visible_on_the_endpoints(checker: FakeChecker) -> None:
    """While a phase is stuck: startup and ready 503 with the phase named, liveness 200; then all 200."""
    release = asyncio.Event()
    startup = Startup([Phase("database", wait_for=tcp("db")), Phase("cache", run=release.wait, timeout=5)])
    checks = HealthChecks([tcp("db")], runner=checker, startup=startup, expose_details=True)
    async with checks, client(HealthApp(checks)) as c:
        await asyncio.sleep(0.05)
        stuck = await c.get("/startup")
        assert stuck.status_code == 503
        phases = {p["name"]: p for p in stuck.json()["phases"]}
        assert phases["database"]["state"] == "done"
        assert phases["cache"]["state"] == "running"
        assert phases["cache"]["elapsed_s"] > 0
        assert "phase cache running" in stuck.json()["output"]
        assert (await c.get("/ready")).status_code == 503
        assert (await c.get("/")).status_code == 200
        release.set()
        await asyncio.sleep(0.01)
        assert (await c.get("/startup")).status_code == 200
        assert (await c.get("/ready")).status_code == 200


async def test_startup_wait_shares_the_monitors_single_flight(checker: FakeChecker) -> None:
    """A phase waiting for a watched dependency joins its check instead of opening a second one."""
    checker.delay = 0.05
    db = tcp("db")
    checks = HealthChecks([db], runner=checker, startup=Startup([Phase("database", wait_for=db)]))
    async with checks:
        await asyncio.sleep(0.1)
    assert checker.calls["db"] == 1
    assert checker.max_in_flight["db"] == 1


async def test_background_failure_is_reported_and_handed_to_on_failure(checker: FakeChecker) -> None:
    """In the background a failed phase calls on_failure and the endpoints show it with its cause."""
    seen: list[StartupFailed] = []
    checker.set("db", Status.FAIL, Cause.AUTH_FAILED, "password authentication failed")
    phase = Phase("database", wait_for=tcp("db"), timeout=0.1, backoff=FAST)
    checks = HealthChecks([], runner=checker, startup=Startup([phase], on_failure=seen.append), token="tok")
    async with checks, client(HealthApp(checks), token="tok") as c:
        await asyncio.sleep(0.2)
        body = (await c.get("/startup")).json()
        infra = (await c.get("/infrastructure")).json()
        anonymous = await c.get("/startup", headers={"authorization": ""})
    assert seen
    assert seen[0].phase == "database"
    assert body["status"] == "fail"
    assert body["phases"][0]["cause"] == "auth_failed"
    assert infra["verdict"]["layer"] == "configuration"
    assert set(anonymous.json()["phases"][0]) == {"name", "state", "elapsed_s"}
    assert "auth_failed" not in anonymous.text


def test_phase_names_must_be_unique() -> None:
    """Two phases with one name would make progress ambiguous: rejected at construction."""
    with pytest.raises(ValueError, match="unique"):
        Startup([Phase("a"), Phase("a")])


async def test_cached_ready_body_follows_phase_changes(checker: FakeChecker) -> None:
    """The cached /ready body names the phase running now, not the one cached a phase ago."""
    first, second = asyncio.Event(), asyncio.Event()
    startup = Startup([Phase("a", run=first.wait), Phase("b", run=second.wait)])
    checks = HealthChecks([], runner=checker, startup=startup, expose_details=True)
    async with checks, client(HealthApp(checks)) as c:
        await asyncio.sleep(0.01)
        assert (await c.get("/ready")).json()["output"].endswith("phase a running")
        first.set()
        await asyncio.sleep(0.01)
        assert (await c.get("/ready")).json()["output"].endswith("phase b running")
        second.set()
