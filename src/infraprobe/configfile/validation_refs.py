"""Cross-references of the `validation:` section, checked by the loader once the whole config is valid.

Free of pydantic, reading only the section's fields (no model method or property): `config validate` runs
it on the stand-ins of the generated core schemas as well (configfile/plain.py).

Every error names its exact place (`validation.categories[1].checks[0].component`) and all are reported
together, one line each, like every other config error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from infraprobe.config.references import unknown
from infraprobe.config.yamlsrc import Path_, SourceMap, format_path
from infraprobe.configfile.validation_checks import names_component, step_kind, step_target, step_templates
from infraprobe.errors import ConfigError, ConfigErrors

if TYPE_CHECKING:
    from infraprobe.config.references import Components
    from infraprobe.configfile.validation import Flow, Validation

Problem = tuple[Path_, str]
# `{{ token }}` and not `${token}`: the latter is the config's environment interpolation.
VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def check_references(validation: Validation, config: Components, source: SourceMap, prefix: Path_) -> None:
    problems = [
        *_duplicates("category", [c.name for c in validation.categories], (*prefix, "categories")),
        *_duplicates("flow", [f.name for f in validation.flows], (*prefix, "flows")),
        *_suites(validation, prefix),
        *_checks(validation, config, prefix),
        *_steps(validation, config, prefix),
    ]
    if problems:
        raise ConfigErrors([_error(source, path, message) for path, message in problems])


def _error(source: SourceMap, path: Path_, message: str) -> ConfigError:
    return ConfigError(message, location=source.locate(path), field=format_path(path))


def _duplicates(what: str, names: list[str], path: Path_) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            yield (*path, i, "name"), f"duplicate {what} name {name!r}"
        seen.add(name)


def _suites(validation: Validation, prefix: Path_) -> Iterator[Problem]:
    names = sorted({c.name for c in validation.categories})
    for suite, members in validation.suites.items():
        for i, member in enumerate(members):
            if member not in names:
                yield (*prefix, "suites", suite, i), f"{unknown('category', member, names)} (got {member!r})"


def _checks(validation: Validation, config: Components, prefix: Path_) -> Iterator[Problem]:
    flows = [f.name for f in validation.flows]
    for c, category in enumerate(validation.categories):
        for k, check in enumerate(category.checks):
            path: Path_ = (*prefix, "categories", c, "checks", k)
            if check.component is not None and check.component not in config.names:
                yield (*path, "component"), _unknown_component(check.component, config.names)
            if check.flow is not None and check.flow not in flows:
                yield (*path, "flow"), f"{unknown('flow', check.flow, flows)} (got {check.flow!r})"


def _unknown_component(name: str, names: Iterable[str]) -> str:
    return f"{unknown('component', name, names)} (got {name!r})"


def _steps(validation: Validation, config: Components, prefix: Path_) -> Iterator[Problem]:
    kinds = {c.name: c.kind for c in config.components}
    for f, flow in enumerate(validation.flows):
        path: Path_ = (*prefix, "flows", f, "steps")
        yield from _step_targets(flow, kinds, path)
        yield from _variables(flow, path)


def _step_targets(flow: Flow, kinds: dict[str, str], path: Path_) -> Iterator[Problem]:
    for s, step in enumerate(flow.steps):
        if not names_component(step):
            continue
        target, kind = step_target(step), step_kind(step)
        where: Path_ = (*path, s, kind)
        if target not in kinds:
            yield where, _unknown_component(target, kinds)
        elif kinds[target] != kind:
            yield where, f"component {target!r} is of kind {kinds[target]}, not {kind}"


def _variables(flow: Flow, path: Path_) -> Iterator[Problem]:
    known: set[str] = set()
    for s, step in enumerate(flow.steps):
        for name in sorted({n for text in step_templates(step) for n in VARIABLE.findall(text)}):
            if name not in known:
                yield (*path, s), f"uses {{{{ {name} }}}}, which no earlier step captures"
        known |= set(step.capture)
