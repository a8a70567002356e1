"""pytest plugin (entry point `pytest11`): `pytest --infraprobe staging.yaml` runs the validation checks.

Each check of the config's `validation:` section becomes a test item named by its id, marked with its
category and, in a critical category, `critical`; so `-m critical` and `-k redis` select them, and a team's
own end-to-end tests run beside them. The `infraprobe` fixture gives tests the loaded config and a runner.

Without `--infraprobe` the plugin adds nothing but the option and the fixture (which then skips): every
pytest run of anyone who installed infraprobe loads this module, so infraprobe itself is imported only
when the option is given.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from infraprobe.config import Config
    from infraprobe.configfile import LoadedConfig
    from infraprobe.configfile.validation import Validation
    from infraprobe.result import CheckResult
    from infraprobe.validate.context import Planned
    from infraprobe.validate.outcome import CheckOutcome

_LOADED = pytest.StashKey["LoadedConfig"]()
_PATH = pytest.StashKey[Path]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("infraprobe")
    group.addoption(
        "--infraprobe",
        metavar="CONFIG",
        default=None,
        help="collect the validation checks of this infraprobe config as test items",
    )


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("infraprobe")
    if path is None:
        return
    loaded = _load(Path(path))
    config.stash[_LOADED] = loaded
    config.stash[_PATH] = Path(path).resolve()
    config.addinivalue_line("markers", "critical: a check of a critical infraprobe validation category")
    for category in _validation(loaded).categories:
        config.addinivalue_line("markers", f"{category.name}: infraprobe validation category {category.name}")


def _load(path: Path) -> LoadedConfig:
    # Imported here, not at the top: see the module docstring (only runs given --infraprobe).
    from infraprobe.configfile import load_config
    from infraprobe.errors import ConfigError

    try:
        loaded = load_config(path)
        _validation(loaded)
    except ConfigError as exc:
        raise pytest.UsageError("\n".join(exc.lines())) from None
    return loaded


def _validation(loaded: LoadedConfig) -> Validation:
    from infraprobe.validate.engine import validation_of

    return validation_of(loaded)


@pytest.hookimpl(tryfirst=True)  # before -m and -k deselect, so they see these items too
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    loaded = config.stash.get(_LOADED, None)
    if loaded is None:
        return
    from infraprobe.validate.engine import plan

    parent = ValidationFile.from_parent(session, path=config.stash[_PATH])
    items.extend(
        ValidationItem.from_parent(parent, name=planned.id, planned=planned, loaded=loaded)
        for planned in plan(_validation(loaded))
    )


class ValidationFile(pytest.File):
    """The config file, as the parent of its checks' items (collected by the hook above, not by path)."""

    def collect(self) -> list[pytest.Item]:
        return []


class CheckFailed(Exception):
    def __init__(self, outcome: CheckOutcome) -> None:
        super().__init__(outcome.message)
        self.outcome = outcome


class ValidationItem(pytest.Item):
    def __init__(self, *, planned: Planned, loaded: LoadedConfig, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.planned = planned
        self.loaded = loaded
        self.add_marker(planned.category.name)
        if planned.category.critical:
            self.add_marker("critical")

    def runtest(self) -> None:
        from infraprobe.validate.engine import run_check

        outcome = asyncio.run(run_check(self.loaded, self.planned))
        self.user_properties.append(("infraprobe", outcome.message))
        if not outcome.passed:
            raise CheckFailed(outcome)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CheckFailed):
            return _explain(excinfo.value.outcome)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"infraprobe {self.planned.check.form.value}: {self.planned.id}"


def _explain(outcome: CheckOutcome) -> str:
    lines = [f"{outcome.id}: {outcome.message}"]
    d = outcome.diagnosis
    if d is not None:
        lines += [
            f"cause: {d.cause.value} ({d.layer.value}, {d.component.value})",
            f"summary: {d.summary}",
            f"next: {d.guidance}",
            f"owner: {d.owner}",
        ]
        lines += [f"evidence: {d.evidence}"] if d.evidence else []
    return "\n".join(lines)


class Infraprobe:
    """What the `infraprobe` fixture gives a test: the loaded config and a way to check a component."""

    def __init__(self, loaded: LoadedConfig) -> None:
        self.loaded = loaded

    @property
    def config(self) -> Config:
        return self.loaded.config

    def check(self, name: str) -> CheckResult:
        """Check one component now (from a synchronous test); the result carries the diagnosis."""
        return asyncio.run(self.acheck(name))

    async def acheck(self, name: str) -> CheckResult:
        """The same, from an async test."""
        from infraprobe.runner import check_config

        if name not in self.config.names:
            raise KeyError(f"no component named {name!r} in {self.loaded.source.file}")
        report = await check_config(self.config, only=[name], redactor=self.loaded.redactor)
        return report.results[0]


@pytest.fixture
def infraprobe(request: pytest.FixtureRequest) -> Infraprobe:
    """The config given with --infraprobe, and a runner: `infraprobe.check("db").diagnosis.cause`."""
    loaded = request.config.stash.get(_LOADED, None)
    if loaded is None:
        pytest.skip("no infraprobe config: run pytest with --infraprobe CONFIG")
    return Infraprobe(loaded)
