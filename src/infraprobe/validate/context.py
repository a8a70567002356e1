"""What every check form runs with: the config, a runner, where the config lives, and who listens."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from infraprobe.config.model import ComponentBase, Config
from infraprobe.configfile.validation import Category, Check, Validation
from infraprobe.facts import FactValue
from infraprobe.result import CheckResult, Diagnosis
from infraprobe.runner import Runner
from infraprobe.validate.outcome import CheckOutcome


class Listener(Protocol):
    """Progress while long checks run: a note per attempt or poll, and each check as it ends."""

    def note(self, check_id: str, text: str) -> None: ...

    def done(self, outcome: CheckOutcome) -> None: ...


class Quiet:
    def note(self, check_id: str, text: str) -> None:
        pass

    def done(self, outcome: CheckOutcome) -> None:
        pass


@dataclass(frozen=True, slots=True)
class Planned:
    """One selected check, with its id and its category."""

    id: str
    category: Category
    check: Check

    def outcome(
        self,
        *,
        passed: bool,
        duration: float,
        message: str,
        diagnosis: Diagnosis | None = None,
        attempts: tuple[CheckResult, ...] = (),
        facts: Mapping[str, FactValue] | None = None,
    ) -> CheckOutcome:
        return CheckOutcome(
            id=self.id,
            name=self.check.label(),
            category=self.category.name,
            critical=self.category.critical,
            form=self.check.form,
            target=_target(self.check),
            passed=passed,
            duration=duration,
            message=message,
            diagnosis=diagnosis,
            attempts=attempts,
            facts=facts or {},
        )


def _target(check: Check) -> str:
    if check.flow is not None:
        return check.flow
    if check.logs is not None:
        return ", ".join(check.logs)
    return check.component or ""


@dataclass
class Context:
    config: Config
    validation: Validation
    runner: Runner
    base_dir: Path = Path()
    listener: Listener = field(default_factory=Quiet)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def component(self, name: str | None) -> ComponentBase:
        assert name is not None  # the spec's validators guarantee one for component forms
        return self.config.component(name)
