"""The http check's expectations (status, body, JSON values, headers) and how a response meets them."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator

from infraprobe.config.model import Strict
from infraprobe.probes.models.values import expect_json_paths, parse_path, regex

if TYPE_CHECKING:  # the http model holds an HttpExpect: validating a config must not import the wire
    from infraprobe.probes.wire.http1 import Response

_MISSING = object()


class HttpExpect(Strict):
    status: tuple[int, ...] = Field((), description="accepted status codes (default: any 2xx)")
    body_contains: str | None = Field(None, description="text the body must contain")
    body_regex: str | None = Field(None, description="regular expression the body must match (search)")
    json_values: dict[str, Any] = Field(
        default_factory=dict,
        alias="json",
        description='JSON values the body must hold, by path: {"$.db.ok": true} or {"db.ok": true}',
    )
    headers: dict[str, str] = Field(
        default_factory=dict, description="response headers that must be present and contain the given text"
    )

    _compiles = field_validator("body_regex")(regex)
    _paths = field_validator("json_values")(expect_json_paths)

    def checks_more_than_status(self) -> bool:
        """Most checks expect a status only: their bodies need no decoding."""
        return bool(
            self.body_contains is not None or self.body_regex is not None or self.json_values or self.headers
        )

    def status_ok(self, status: int) -> bool:
        return status in self.status if self.status else 200 <= status < 300


def json_get(doc: Any, path: str) -> Any:
    """The value at `path`, or the _MISSING sentinel."""
    node = doc
    for step in parse_path(path):
        if isinstance(step, int) and isinstance(node, list) and -len(node) <= step < len(node):
            node = node[step]
        elif isinstance(node, dict) and str(step) in node:
            node = node[str(step)]
        else:
            return _MISSING
    return node


def _same(expected: Any, actual: Any) -> bool:
    # JSON true is not 1, even though Python says True == 1.
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    return bool(expected == actual)


def body_problems(expect: HttpExpect, response: Response) -> list[str]:
    """Every unmet body, JSON and header expectation, as short sentences (status is judged apart)."""
    if not expect.checks_more_than_status():
        return []
    text = response.body.decode("utf-8", "replace")
    problems = []
    if expect.body_contains is not None and expect.body_contains not in text:
        problems.append(f"body does not contain {expect.body_contains!r}")
    if expect.body_regex is not None and not re.search(expect.body_regex, text):
        problems.append(f"body does not match /{expect.body_regex}/")
    problems += _json_problems(expect, text)
    for name, wanted in expect.headers.items():
        value = response.header(name.lower())
        if value is None or wanted not in value:
            problems.append(f"header {name}: {value!r} does not contain {wanted!r}")
    return problems


def _json_problems(expect: HttpExpect, text: str) -> list[str]:
    if not expect.json_values:
        return []
    try:
        doc = json.loads(text)
    except ValueError:
        return ["body is not JSON"]
    problems = []
    for path, wanted in expect.json_values.items():
        got = json_get(doc, path)
        if got is _MISSING:
            problems.append(f"{path} is missing")
        elif not _same(wanted, got):
            problems.append(f"{path} is {json.dumps(got)[:80]}, expected {json.dumps(wanted)}")
    return problems
