"""What the `validation:` section checks beyond types and bounds: plain functions, free of pydantic,
reading only the section's fields (no model method or property).

`configfile/validation.py`'s models register these very functions as their validators, and `config
validate` runs them on the stand-ins of the generated core schemas (configfile/plain.py), so both ways say
the same.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from infraprobe.logs.timestamps import parse_when
from infraprobe.probes.models.values import PERCENT, parse_path

# A check's forms other than once, in the order its keys are read.
FORMS = ("consistently", "within", "logs", "flow")
LOG_KEYS = ("expect_none", "cause", "at_most", "since")


def parse_share(value: Any) -> float:
    """`80%` or a number from 0 to 1 -> a share from 0 to 1."""
    if isinstance(value, str) and (m := PERCENT.match(value)):
        share = float(m.group(1)) / 100
    elif isinstance(value, int | float) and not isinstance(value, bool):
        share = float(value)
    else:
        raise ValueError(f"expected a share like 80% or 0.8, got {value!r}")
    if not 0.0 <= share <= 1.0:
        raise ValueError("a share must be between 0% and 100%")
    return share


# Not Field(min_length=1): pydantic then adds a "too short" error whenever an item is invalid.
def some_checks(items: tuple[Any, ...]) -> tuple[Any, ...]:
    return _nonempty(items, "check")


def some_steps(items: tuple[Any, ...]) -> tuple[Any, ...]:
    return _nonempty(items, "step")


def some_categories(items: tuple[Any, ...]) -> tuple[Any, ...]:
    return _nonempty(items, "category")


def _nonempty(items: tuple[Any, ...], what: str) -> tuple[Any, ...]:
    if not items:
        raise ValueError(f"give at least one {what}")
    return items


def count_or_share(value: Any) -> Any:
    """`Consistently.at_least`, before its type: a float is neither a count nor a percentage."""
    if isinstance(value, float):
        raise ValueError("give a count (18) or a percentage (90%)")
    return value


def within_attempts(consistently: Any) -> Any:
    at_least = consistently.at_least
    if isinstance(at_least, int) and at_least > consistently.attempts:
        raise ValueError(f"at_least {at_least} is more than the {consistently.attempts} attempts")
    return consistently


def since(value: str | None) -> str | None:
    if value is not None:
        parse_when(value, datetime.now(UTC))  # raises ValueError with the accepted forms
    return value


def form(check: Any) -> str:
    """A check's form (`validation.Form`'s value): the first of its form keys given, else once."""
    return next((key for key in FORMS if getattr(check, key) is not None), "once")


def one_form(check: Any) -> Any:
    forms = [k for k in FORMS if getattr(check, k) is not None]
    if len(forms) > 1:
        raise ValueError(f"a check has one form; got {' and '.join(forms)}")
    _check_keys(check, forms[0] if forms else "once")
    return check


def _check_keys(check: Any, form: str) -> None:
    if form == "logs":
        _check_log_keys(check)
    else:
        extra = [k for k in LOG_KEYS if getattr(check, k) is not None]
        if extra:
            raise ValueError(f"{', '.join(extra)}: only for a logs check")
    if form in ("once", "consistently", "within") and check.component is None:
        raise ValueError("missing `component` (the component to check)")
    if form == "flow" and check.component is not None:
        raise ValueError("a flow check names its targets in its steps, not with `component`")


def _check_log_keys(check: Any) -> None:
    if check.expect_none is not None:
        if check.cause is not None or check.at_most is not None:
            raise ValueError("use either expect_none or cause with at_most, not both")
    elif check.cause is None or check.at_most is None:
        raise ValueError("a logs check needs expect_none: CAUSE, or cause: CAUSE with at_most: K")


def one_target(step: Any) -> Any:
    if (step.http is None) == (step.websocket is None):
        raise ValueError("a step has either `http:` or `websocket:`")
    if step.http is not None:
        _http_step_keys(step)
    else:
        _ws_step_keys(step)
    return step


def expects_http(step: Any) -> bool:
    """Whether `expect` is an http expectation (the `HttpExpect` mapping), not a list of texts."""
    return step.expect is not None and not isinstance(step.expect, tuple)


def _http_step_keys(step: Any) -> None:
    if step.send is not None:
        raise ValueError("`send` applies to a websocket step")
    if step.expect is not None and not expects_http(step):
        raise ValueError("an http step's `expect` is a mapping (status, body_contains, json, ...)")
    if step.body is not None and step.json_body is not None:
        raise ValueError("give `body` or `json`, not both")
    for path in step.capture.values():
        parse_path(path)


def _ws_step_keys(step: Any) -> None:
    if step.capture:
        raise ValueError("`capture` applies to an http step")
    if expects_http(step):
        raise ValueError("a websocket step's `expect` is a list of texts to receive, in order")
    if step.body is not None or step.json_body is not None:
        raise ValueError("a websocket step sends `send:` messages, not a body")


def step_kind(step: Any) -> str:
    return "http" if step.http is not None else "websocket"


def step_target(step: Any) -> str:
    return step.http if step.http is not None else str(step.websocket)


def names_component(step: Any) -> bool:
    """Whether the step's target is a component's name (its URL is the component's), not a URL."""
    return "://" not in step_target(step)


def step_messages(step: Any) -> tuple[str, ...]:
    send = step.send
    return (send,) if isinstance(send, str) else send or ()


def step_templates(step: Any) -> list[str]:
    """Every text of a step that may use `{{ name }}`."""
    texts = [step_target(step), step.path or "", step.body or "", *step.headers.values()]
    texts += list(step_messages(step)) + _strings(step.json_body)
    return texts


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []
