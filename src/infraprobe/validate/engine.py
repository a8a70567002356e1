"""Select checks (suite, categories, --only), run them concurrently, and reach the verdict."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infraprobe.configfile.loader import LoadedConfig
from infraprobe.configfile.validation import Category, Form, Validation
from infraprobe.errors import ConfigError, Location, UsageError
from infraprobe.net import Net
from infraprobe.runner import Runner
from infraprobe.validate import flows, forms, logcheck
from infraprobe.validate.context import Context, Listener, Planned, Quiet
from infraprobe.validate.outcome import CategoryOutcome, CheckOutcome, ValidationReport, Verdict

# Checks in flight at once. A consistently/within check spends most of its time asleep, so this is
# about not opening hundreds of connections at the same instant, not about CPU.
DEFAULT_CONCURRENCY = 16

FormFn = Callable[[Context, Planned], Awaitable[CheckOutcome]]
FORMS: dict[Form, FormFn] = {
    Form.ONCE: forms.once,
    Form.CONSISTENTLY: forms.consistently,
    Form.WITHIN: forms.within,
    Form.LOGS: logcheck.logs,
    Form.FLOW: flows.flow,
}


@dataclass(frozen=True, slots=True)
class Selection:
    """What to run: a named suite, categories, and checks by id, name, component or flow (`--only`)."""

    suite: str | None = None
    categories: tuple[str, ...] = ()
    only: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"suite": self.suite, "categories": list(self.categories), "only": list(self.only)}


def validation_of(loaded: LoadedConfig) -> Validation:
    section = loaded.sections.get("validation")
    if not isinstance(section, Validation):
        raise ConfigError("no `validation:` section to run", location=Location(loaded.source.file))
    return section


def plan(validation: Validation, selection: Selection = Selection()) -> list[Planned]:
    """The selected checks in config order, each with a unique id; UsageError for unknown names."""
    categories = _categories(validation, selection)
    planned = _with_ids(categories)
    if selection.only:
        planned = _only(planned, selection.only)
    if not planned:  # the flags chose nothing (usage), or the section has no checks at all (config)
        error = UsageError if selection != Selection() else ConfigError
        raise error("the selection has no checks", field="--category" if selection.categories else "")
    return planned


def _categories(validation: Validation, selection: Selection) -> list[Category]:
    chosen = list(validation.categories)
    if selection.suite is not None:
        if selection.suite not in validation.suites:
            raise UsageError(_unknown("suite", selection.suite, validation.suites), field="--suite")
        members = validation.suites[selection.suite]
        chosen = [c for c in chosen if c.name in members]
    names = [c.name for c in validation.categories]
    for name in selection.categories:
        if name not in names:
            raise UsageError(_unknown("category", name, names), field="--category")
    if selection.categories:
        chosen = [c for c in chosen if c.name in selection.categories]
    return chosen


def _unknown(what: str, name: str, known: Iterable[str]) -> str:
    return f"no {what} named {name!r} (known: {', '.join(known) or 'none'})"


def _with_ids(categories: list[Category]) -> list[Planned]:
    out: list[Planned] = []
    seen: dict[str, int] = {}
    for category in categories:
        for check in category.checks:
            base = f"{category.name}/{check.label()}"
            seen[base] = seen.get(base, 0) + 1
            out.append(Planned(base if seen[base] == 1 else f"{base} #{seen[base]}", category, check))
    return out


def _only(planned: list[Planned], only: tuple[str, ...]) -> list[Planned]:
    for name in only:
        if not any(_matches(p, name) for p in planned):
            raise UsageError(f"no selected check is or targets {name!r}", field="--only")
    return [p for p in planned if any(_matches(p, name) for name in only)]


def _matches(planned: Planned, name: str) -> bool:
    check = planned.check
    return name in (planned.id, check.label(), check.component, check.flow)


async def validate(
    loaded: LoadedConfig,
    selection: Selection = Selection(),
    *,
    listener: Listener | None = None,
    net: Net | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> ValidationReport:
    """Library entry point for `infraprobe validate`: run the selected checks and judge them."""
    validation = validation_of(loaded)
    planned = plan(validation, selection)
    started_at, start = datetime.now(UTC), time.perf_counter()
    async with _context(loaded, validation, net, listener) as ctx:
        outcomes = await _run_all(ctx, planned, concurrency)
    categories = _grouped(planned, outcomes)
    return ValidationReport(
        environment=loaded.config.environment,
        started_at=started_at,
        duration=time.perf_counter() - start,
        categories=categories,
        verdict=Verdict.of(categories, validation.threshold),
        selection=selection.to_dict(),
    )


async def run_check(loaded: LoadedConfig, planned: Planned, *, net: Net | None = None) -> CheckOutcome:
    """One planned check on its own (the pytest plugin runs each item so)."""
    async with _context(loaded, validation_of(loaded), net, None) as ctx:
        return await FORMS[planned.check.form](ctx, planned)


@contextlib.asynccontextmanager
async def _context(
    loaded: LoadedConfig, validation: Validation, net: Net | None, listener: Listener | None
) -> AsyncIterator[Context]:
    """A Context whose Net is closed afterwards when this run made it."""
    runner = Runner(net=net or Net(), redactor=loaded.redactor)
    try:
        yield Context(loaded.config, validation, runner, Path(loaded.source.file).parent, listener or Quiet())
    finally:
        if net is None:
            runner.net.close()


async def _run_all(ctx: Context, planned: list[Planned], concurrency: int) -> list[CheckOutcome]:
    gate = asyncio.Semaphore(concurrency)

    async def one(p: Planned) -> CheckOutcome:
        async with gate:
            outcome = await FORMS[p.check.form](ctx, p)
        ctx.listener.done(outcome)
        return outcome

    return list(await asyncio.gather(*(one(p) for p in planned)))


def _grouped(planned: list[Planned], outcomes: list[CheckOutcome]) -> tuple[CategoryOutcome, ...]:
    groups: dict[str, tuple[Category, list[CheckOutcome]]] = {}
    for p, outcome in zip(planned, outcomes, strict=True):
        groups.setdefault(p.category.name, (p.category, []))[1].append(outcome)
    return tuple(CategoryOutcome(cat.name, cat.critical, tuple(items)) for cat, items in groups.values())
