"""The runner: concurrency, per-check deadlines labelled by phase, warnings, exit codes, no global state."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Iterator

import pytest

from infraprobe import facts
from infraprobe.config.model import ComponentBase
from infraprobe.configfile import parse_config
from infraprobe.errors import ProbeFailed
from infraprobe.net import Net
from infraprobe.phases import Phase
from infraprobe.probes.base import ProbeRun
from infraprobe.probes.registry import REGISTRY
from infraprobe.result import Status
from infraprobe.runner import Runner, check_config
from infraprobe.taxonomy import Cause
from infraprobe.testing.netfaults import ClosedPort, FullBacklogListener


@pytest.fixture
def hole() -> Iterator[FullBacklogListener]:
    with FullBacklogListener() as listener:
        yield listener


def _tcp(name: str, port: int, timeout: float = 2.0, critical: bool = True) -> str:
    return f"  - {{name: {name}, kind: tcp, host: 127.0.0.1, port: {port}, timeout: {timeout}, critical: {str(critical).lower()}}}"


def _config(*lines: str) -> str:
    return "components:\n" + "\n".join(lines) + "\n"


async def test_black_holed_checks_run_concurrently(hole: FullBacklogListener) -> None:
    """Ten black-holed components with a 0.5 s timeout finish in about one timeout, not ten."""
    config = parse_config(_config(*(_tcp(f"h{i}", hole.port, 0.5) for i in range(10)))).config
    start = time.perf_counter()
    report = await check_config(config)
    elapsed = time.perf_counter() - start
    assert elapsed < 2.5, elapsed  # sequential would be >= 5 s
    assert {r.diagnosis.cause for r in report.results if r.diagnosis} == {Cause.CONNECT_TIMEOUT}
    assert all(r.phase("connect") is not None for r in report.results)  # where it hung is recorded
    assert report.exit_code == 1


async def test_results_keep_config_order_and_exit_code() -> None:
    """Results come back in config order; only a critical failure makes the exit code 1."""
    with ClosedPort() as closed:
        text = _config(
            _tcp("first", closed.port, critical=False), _tcp("second", closed.port, critical=False)
        )
        report = await check_config(parse_config(text).config)
    assert [r.component for r in report.results] == ["first", "second"]
    assert all(r.status is Status.FAIL for r in report.results)
    assert report.exit_code == 0


async def test_only_selects() -> None:
    """`only` runs the named components and nothing else."""
    with ClosedPort() as closed:
        text = _config(_tcp("a", closed.port), _tcp("b", closed.port))
        report = await check_config(parse_config(text).config, only=["b"])
    assert [r.component for r in report.results] == ["b"]


async def test_max_latency_warns_not_fails() -> None:
    """A check over its latency budget is a warning (still ok for the exit code)."""
    listener = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    text = _config(f"  - {{name: a, kind: tcp, host: 127.0.0.1, port: {port}, max_latency: 0}}")
    result = (await check_config(parse_config(text).config)).results[0]
    listener.close()
    assert result.status is Status.WARN
    assert "over the 0 ms budget" in result.message
    assert result.ok


async def test_probe_failed_carries_its_diagnosis() -> None:
    """A probe's own expectation failure (run.fail) becomes the result's diagnosis verbatim."""

    async def failing(cfg: ComponentBase, run: ProbeRun) -> str:
        with run.phase(Phase.REQUEST):
            run.fact(facts.BODY_BYTES, 1)
            run.fail(Cause.APP_ERROR, "status 500")

    registry = {"tcp": dataclasses.replace(REGISTRY["tcp"], run=failing)}
    component = parse_config(_config(_tcp("x", 1))).config.components[0]
    result = await Runner(net=Net(), registry=registry).check(component)
    assert result.status is Status.FAIL
    assert result.diagnosis is not None and result.diagnosis.cause is Cause.APP_ERROR
    assert result.facts["body_bytes"] == 1 and result.phase(Phase.REQUEST) is not None
    assert isinstance(ProbeFailed(result.diagnosis), Exception)


def test_result_is_frozen() -> None:
    """Results are immutable, facts included: consumers cannot change what others see."""
    with ClosedPort() as closed:
        report = asyncio.run(check_config(parse_config(_config(_tcp("a", closed.port))).config))
    result = report.results[0]
    with pytest.raises(AttributeError):
        result.status = Status.OK  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.facts["x"] = 1  # type: ignore[index]


async def test_prepare_runs_before_any_check_starts() -> None:
    """Every component's synchronous set-up happens before the first check's clock starts."""
    events: list[str] = []

    async def probe(cfg: ComponentBase, run: ProbeRun) -> str:
        events.append(f"check {cfg.name}")
        return "ok"

    def prepare(cfg: ComponentBase, net: Net) -> None:
        events.append(f"prepare {cfg.name}")

    registry = {"tcp": dataclasses.replace(REGISTRY["tcp"], run=probe, prepare=prepare)}
    config = parse_config(_config(_tcp("a", 1), _tcp("b", 2))).config
    await Runner(net=Net(), registry=registry).run(config.components)
    assert events[:2] == ["prepare a", "prepare b"]
    assert sorted(events[2:]) == ["check a", "check b"]
