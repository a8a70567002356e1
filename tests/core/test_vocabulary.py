"""Phases and facts are declared vocabularies: every probe kind emits only declared names of declared types.

Each kind in the registry runs once against a real server on loopback, as its own test module
(`tests/probes/test_<kind>*.py`) says in `vocabulary_scenario`; a new kind without one fails here, so
analysis can never silently miss a fact a new probe spells its own way. `ProbeRun` also refuses undeclared names at run time, so every other probe test checks the same thing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import cast

import pytest

from infraprobe import facts
from infraprobe.config.model import ComponentBase
from infraprobe.facts import DECLARED, Fact
from infraprobe.net import Net
from infraprobe.phases import Phase
from infraprobe.probes.base import ProbeRun
from infraprobe.probes.registry import REGISTRY
from infraprobe.result import CheckResult, Status
from infraprobe.runner import Runner
from infraprobe.taxonomy import Component
from tests.conftest import kind_test_attr

Scenario = Callable[[AsyncExitStack, Path], Awaitable[ComponentBase]]
PROBED = sorted(kind for kind, spec in REGISTRY.items() if spec.run is not None)


def scenario(kind: str) -> Scenario:
    """The kind's healthy run, from its own test module's `vocabulary_scenario`."""
    return cast(Scenario, kind_test_attr(kind, "vocabulary_scenario"))


@pytest.fixture
async def runner() -> AsyncIterator[Runner]:
    r = Runner()
    yield r
    r.net.close()


@pytest.mark.parametrize("kind", PROBED)
async def test_emitted_phases_and_facts_are_declared(kind: str, runner: Runner, tmp_path: Path) -> None:
    """Every probing kind in the registry runs: one without a `vocabulary_scenario` fails here, named."""
    async with AsyncExitStack() as stack:
        result = await runner.check(await scenario(kind)(stack, tmp_path))
    assert result.status is not Status.FAIL, (result.message, result.diagnosis)
    assert result.phases and all(isinstance(p.name, Phase) for p in result.phases)
    _assert_declared(result)


def _assert_declared(result: CheckResult) -> None:
    assert result.facts, result.kind
    for key, value in result.facts.items():
        assert key in DECLARED, f"{result.kind} emits undeclared fact {key!r}"
        assert DECLARED[key].accepts(value), f"{result.kind}: {key}={value!r} is not {DECLARED[key].type}"


def test_declared_keys_are_unique() -> None:
    every = [v for v in vars(facts).values() if isinstance(v, Fact)]
    assert len(every) == len(DECLARED)


def test_undeclared_fact_or_wrong_type_is_refused() -> None:
    run = ProbeRun(Component.TCP, Net())
    with pytest.raises(TypeError, match="max_connections"):
        run.fact(facts.MAX_CONNECTIONS, "100")  # type: ignore[misc]
    with pytest.raises(TypeError, match="max_connections"):
        run.fact(facts.MAX_CONNECTIONS, True)
    with pytest.raises(TypeError, match="invented"):
        run.fact(Fact("invented", int, "not declared"), 1)
    run.fact(facts.MAX_CONNECTIONS, 100)
    assert run.get(facts.MAX_CONNECTIONS) == 100


def test_undeclared_phase_is_refused() -> None:
    run = ProbeRun(Component.TCP, Net())
    with pytest.raises(ValueError, match="nap"), run.phase("nap"):  # type: ignore[arg-type]
        pass


def test_read_returns_only_the_declared_type() -> None:
    assert facts.MAX_CONNECTIONS.read({"max_connections": 5}) == 5
    assert facts.MAX_CONNECTIONS.read({"max_connections": True}) is None
    assert facts.MAX_CONNECTIONS.read({"max_connections": "5"}) is None
    assert facts.TIME_MS.read({"time_ms": 3}) == 3
    assert facts.SANS.read({}) is None
