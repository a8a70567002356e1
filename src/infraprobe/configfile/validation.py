"""The `validation:` section: categories of checks, named suites, a pass-rate threshold, and flows.

Each check takes one form, told by its keys: `{component: api}` once; `consistently: {...}` N attempts
over a window; `within: 600s` wait for healthy; `logs: [...]` a log assertion; `flow: NAME` a scripted
sequence of HTTP and WebSocket steps. Components named here must exist in the config (checked by the
loader once both sections are valid, through `check_against`), so a typo fails the config, not the run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator, model_validator

from infraprobe.config.model import Strict
from infraprobe.config.types import Duration
from infraprobe.configfile.validation_refs import check_references
from infraprobe.logs.timestamps import parse_when
from infraprobe.probes._httpexpect import HttpExpect
from infraprobe.probes.models.http import Method
from infraprobe.probes.models.values import parse_path
from infraprobe.taxonomy import Cause

if TYPE_CHECKING:
    from infraprobe.config.model import Config
    from infraprobe.config.yamlsrc import Path_, SourceMap

_NAME = r"^[A-Za-z0-9_\-]+$"
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
DEFAULT_THRESHOLD = 0.8


def parse_share(value: Any) -> float:
    """`80%` or a number from 0 to 1 -> a share from 0 to 1."""
    if isinstance(value, str) and (m := _PERCENT.match(value)):
        share = float(m.group(1)) / 100
    elif isinstance(value, int | float) and not isinstance(value, bool):
        share = float(value)
    else:
        raise ValueError(f"expected a share like 80% or 0.8, got {value!r}")
    if not 0.0 <= share <= 1.0:
        raise ValueError("a share must be between 0% and 100%")
    return share


Share = Annotated[
    float,
    BeforeValidator(parse_share),
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


def _nonempty(items: tuple[Any, ...], what: str) -> tuple[Any, ...]:
    # Not Field(min_length=1): pydantic then adds a "too short" error whenever an item is invalid.
    if not items:
        raise ValueError(f"give at least one {what}")
    return items


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

    @field_validator("at_least", mode="before")
    @classmethod
    def _count_or_share(cls, value: Any) -> Any:
        if isinstance(value, float):
            raise ValueError("give a count (18) or a percentage (90%)")
        return value

    @model_validator(mode="after")
    def _within_attempts(self) -> Consistently:
        if isinstance(self.at_least, int) and self.at_least > self.attempts:
            raise ValueError(f"at_least {self.at_least} is more than the {self.attempts} attempts")
        return self

    @property
    def required(self) -> int:
        """Passing attempts needed."""
        if self.at_least is None:
            return self.attempts
        if isinstance(self.at_least, int):
            return self.at_least
        return max(1, round(self.at_least * self.attempts + 0.4999))  # a share rounds up


def _since(value: str | None) -> str | None:
    if value is not None:
        parse_when(value, datetime.now(UTC))  # raises ValueError with the accepted forms
    return value


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
    since: Annotated[str | None, BeforeValidator(_since)] = Field(
        None, description="logs: only events since then (ISO 8601 or a duration back from now: 2h)"
    )
    flow: str | None = Field(None, description="name of a flow in validation.flows")

    @model_validator(mode="after")
    def _one_form(self) -> Check:
        forms = [k for k in ("consistently", "within", "logs", "flow") if getattr(self, k) is not None]
        if len(forms) > 1:
            raise ValueError(f"a check has one form; got {' and '.join(forms)}")
        _check_keys(self, self.form)
        return self

    @property
    def form(self) -> Form:
        for form in (Form.CONSISTENTLY, Form.WITHIN, Form.LOGS, Form.FLOW):
            if getattr(self, form.value) is not None:
                return form
        return Form.ONCE

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


_LOG_KEYS = ("expect_none", "cause", "at_most", "since")


def _check_keys(check: Check, form: Form) -> None:
    if form is Form.LOGS:
        _check_log_keys(check)
    else:
        extra = [k for k in _LOG_KEYS if getattr(check, k) is not None]
        if extra:
            raise ValueError(f"{', '.join(extra)}: only for a logs check")
    if form in (Form.ONCE, Form.CONSISTENTLY, Form.WITHIN) and check.component is None:
        raise ValueError("missing `component` (the component to check)")
    if form is Form.FLOW and check.component is not None:
        raise ValueError("a flow check names its targets in its steps, not with `component`")


def _check_log_keys(check: Check) -> None:
    if check.expect_none is not None:
        if check.cause is not None or check.at_most is not None:
            raise ValueError("use either expect_none or cause with at_most, not both")
    elif check.cause is None or check.at_most is None:
        raise ValueError("a logs check needs expect_none: CAUSE, or cause: CAUSE with at_most: K")


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

    _at_least_one = field_validator("checks")(lambda v: _nonempty(v, "check"))


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

    @model_validator(mode="after")
    def _one_target(self) -> Step:
        if (self.http is None) == (self.websocket is None):
            raise ValueError("a step has either `http:` or `websocket:`")
        if self.http is not None:
            _http_step_keys(self)
        else:
            _ws_step_keys(self)
        return self

    @property
    def kind(self) -> str:
        return "http" if self.http is not None else "websocket"

    @property
    def target(self) -> str:
        return self.http if self.http is not None else str(self.websocket)

    @property
    def names_component(self) -> bool:
        return "://" not in self.target

    def templates(self) -> list[str]:
        """Every text that may use `{{ name }}`."""
        texts = [self.target, self.path or "", self.body or "", *self.headers.values()]
        texts += list(self.messages) + _strings(self.json_body)
        return texts

    @property
    def messages(self) -> tuple[str, ...]:
        return (self.send,) if isinstance(self.send, str) else self.send or ()


def _http_step_keys(step: Step) -> None:
    if step.send is not None:
        raise ValueError("`send` applies to a websocket step")
    if step.expect is not None and not isinstance(step.expect, HttpExpect):
        raise ValueError("an http step's `expect` is a mapping (status, body_contains, json, ...)")
    if step.body is not None and step.json_body is not None:
        raise ValueError("give `body` or `json`, not both")
    for path in step.capture.values():
        parse_path(path)


def _ws_step_keys(step: Step) -> None:
    if step.capture:
        raise ValueError("`capture` applies to an http step")
    if isinstance(step.expect, HttpExpect):
        raise ValueError("a websocket step's `expect` is a list of texts to receive, in order")
    if step.body is not None or step.json_body is not None:
        raise ValueError("a websocket step sends `send:` messages, not a body")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


class Flow(Strict):
    name: str = Field(min_length=1, pattern=_NAME)
    description: str = ""
    steps: tuple[Step, ...]

    _at_least_one = field_validator("steps")(lambda v: _nonempty(v, "step"))


class Validation(Strict):
    threshold: Share = Field(DEFAULT_THRESHOLD, description="share of checks that must pass (default 80%)")
    categories: tuple[Category, ...]
    suites: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="named selections of categories: {smoke: [connectivity]}"
    )
    flows: tuple[Flow, ...] = ()

    _at_least_one = field_validator("categories")(lambda v: _nonempty(v, "category"))

    def check_against(self, config: Config, source: SourceMap, path: Path_) -> None:
        """Names that point elsewhere (components, categories, flows, captured values) must exist."""
        check_references(self, config, source, path)

    def flow(self, name: str) -> Flow:
        return next(f for f in self.flows if f.name == name)
