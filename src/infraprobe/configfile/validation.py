"""The `validation:` section: categories of checks, named suites, a pass-rate threshold, and flows.

Each check takes one form, told by its keys: `{component: api}` once; `consistently: {...}` N attempts
over a window; `within: 600s` wait for healthy; `logs: [...]` a log assertion; `flow: NAME` a scripted
sequence of HTTP and WebSocket steps. Components named here must exist in the config (checked by the
loader once both sections are valid: `validation_refs.check_references`), so a typo fails the config, not the run.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator, model_validator

from infraprobe.config.model import Strict
from infraprobe.config.types import Duration
from infraprobe.configfile import validation_checks as section_checks
from infraprobe.probes._httpexpect import HttpExpect
from infraprobe.probes.models.http import Method
from infraprobe.taxonomy import Cause

_NAME = r"^[A-Za-z0-9_\-]+$"
DEFAULT_THRESHOLD = 0.8

# The checks are plain functions (validation_checks.py), so `config validate` runs them without pydantic.

Share = Annotated[
    float,
    BeforeValidator(section_checks.parse_share),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 1},
                {"type": "string", "pattern": r"^\d+(\.\d+)?%$"},
            ],
            "description": "a share: 80% or 0.8",
        }
    ),
]


class Form(StrEnum):
    ONCE = "once"
    CONSISTENTLY = "consistently"
    WITHIN = "within"
    LOGS = "logs"
    FLOW = "flow"


class Consistently(Strict):
    attempts: int = Field(ge=1, le=1000, description="how many checks to make")
    over: Duration = Field(0.0, description="spread the attempts evenly over this window (0: back to back)")
    at_least: int | Share | None = Field(
        None, description="attempts that must pass: a count (18) or a share (90%); default all"
    )

    _count_or_share = field_validator("at_least", mode="before")(section_checks.count_or_share)
    _within_attempts = model_validator(mode="after")(section_checks.within_attempts)

    @property
    def required(self) -> int:
        """Passing attempts needed."""
        if self.at_least is None:
            return self.attempts
        if isinstance(self.at_least, int):
            return self.at_least
        return max(1, round(self.at_least * self.attempts + 0.4999))  # a share rounds up


class Check(Strict):
    """One check; its keys say its form (see the module docstring)."""

    name: str | None = Field(
        None, min_length=1, description="label in reports (default: made from the check)"
    )
    component: str | None = Field(None, description="the config component checked (logs: its kind)")
    consistently: Consistently | None = None
    within: Duration | None = Field(None, gt=0, description="wait up to this long for the component")
    every: Duration = Field(1.0, gt=0, description="within: time between attempts")
    logs: tuple[str, ...] | None = Field(None, min_length=1, description="log files (relative to the config)")
    expect_none: Cause | None = Field(None, description="logs: this cause must not appear")
    cause: Cause | None = Field(None, description="logs: the cause `at_most` counts")
    at_most: int | None = Field(None, ge=0, description="logs: at most this many events of `cause`")
    since: Annotated[str | None, BeforeValidator(section_checks.since)] = Field(
        None, description="logs: only events since then (ISO 8601 or a duration back from now: 2h)"
    )
    flow: str | None = Field(None, description="name of a flow in validation.flows")

    _one_form = model_validator(mode="after")(section_checks.one_form)

    @property
    def form(self) -> Form:
        return Form(section_checks.form(self))

    def label(self) -> str:
        if self.name:
            return self.name
        return _LABELS[self.form](self)

    def log_cause(self) -> tuple[Cause, int]:
        """The cause a log check counts, and how many events it allows."""
        if self.expect_none is not None:
            return self.expect_none, 0
        assert self.cause is not None and self.at_most is not None
        return self.cause, self.at_most


def _consistently_label(c: Check) -> str:
    assert c.consistently is not None
    over = f" over {c.consistently.over:g}s" if c.consistently.over else ""
    return f"{c.component} {c.consistently.attempts}x{over}"


def _logs_label(c: Check) -> str:
    cause, limit = c.log_cause()
    what = f"no {cause.value}" if c.expect_none is not None else f"at most {limit} {cause.value}"
    where = f" for {c.component}" if c.component else ""
    return f"logs {what}{where}" + (f" since {c.since}" if c.since else "")


_LABELS: dict[Form, Callable[[Check], str]] = {
    Form.ONCE: lambda c: str(c.component),
    Form.CONSISTENTLY: _consistently_label,
    Form.WITHIN: lambda c: f"{c.component} within {c.within:g}s",
    Form.LOGS: _logs_label,
    Form.FLOW: lambda c: f"flow {c.flow}",
}


class Category(Strict):
    name: str = Field(min_length=1, pattern=_NAME, description="unique; also the pytest marker")
    critical: bool = Field(False, description="the verdict fails when any check of a critical category fails")
    description: str = ""
    checks: tuple[Check, ...]

    _at_least_one = field_validator("checks")(section_checks.some_checks)


class Step(Strict):
    """One flow step: an HTTP request (`http:`) or a WebSocket session (`websocket:`).

    The target is a URL, or the name of an http/websocket component whose URL, TLS settings and headers
    the step starts from (`path:` then replaces the URL's path). `{{ name }}` in the URL, path, headers,
    body and messages is a value an earlier step captured.
    """

    name: str = Field(min_length=1, pattern=_NAME)
    http: str | None = Field(None, description="URL or http component to request")
    websocket: str | None = Field(None, description="URL or websocket component to connect to")
    path: str | None = Field(None, description="replaces the path (and query) of the target's URL")
    method: Method = "GET"
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None
    json_body: Any = Field(None, alias="json", description="a JSON body (sets content-type)")
    expect: HttpExpect | tuple[str, ...] | None = Field(
        None, description="http: status/body/json expectations; websocket: texts to receive, in order"
    )
    capture: dict[str, str] = Field(
        default_factory=dict, description="http: {name: JSON path} values later steps use as {{ name }}"
    )
    send: tuple[str, ...] | str | None = Field(None, description="websocket: messages to send once open")
    within: Duration = Field(5.0, gt=0, description="websocket: deadline for the expected messages")
    timeout: Duration | None = Field(None, gt=0, description="budget for the step (default: the target's)")

    _one_target = model_validator(mode="after")(section_checks.one_target)

    @property
    def kind(self) -> str:
        return section_checks.step_kind(self)

    @property
    def target(self) -> str:
        return section_checks.step_target(self)

    @property
    def names_component(self) -> bool:
        return section_checks.names_component(self)

    def templates(self) -> list[str]:
        """Every text that may use `{{ name }}`."""
        return section_checks.step_templates(self)

    @property
    def messages(self) -> tuple[str, ...]:
        return section_checks.step_messages(self)


class Flow(Strict):
    name: str = Field(min_length=1, pattern=_NAME)
    description: str = ""
    steps: tuple[Step, ...]

    _at_least_one = field_validator("steps")(section_checks.some_steps)


class Validation(Strict):
    threshold: Share = Field(DEFAULT_THRESHOLD, description="share of checks that must pass (default 80%)")
    categories: tuple[Category, ...]
    suites: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="named selections of categories: {smoke: [connectivity]}"
    )
    flows: tuple[Flow, ...] = ()

    _at_least_one = field_validator("categories")(section_checks.some_categories)

    def flow(self, name: str) -> Flow:
        return next(f for f in self.flows if f.name == name)
