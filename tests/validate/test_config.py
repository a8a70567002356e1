"""The validation section's defaults, shares and labels, its JSON Schema, and the CLI's progress line."""

from __future__ import annotations

import io

import jsonschema
import pytest
import yaml

from infraprobe.cli.validate import QUIET_NOTE_SECONDS, Progress
from infraprobe.configfile import parse_config
from infraprobe.configfile.schema import config_schema
from infraprobe.configfile.validation import Consistently, Form, Validation
from infraprobe.configfile.validation_checks import parse_share

TEXT = """
components:
  - {name: api, kind: http, url: "http://127.0.0.1:1/"}
validation:
  categories:
    - name: connectivity
      checks:
        - {component: api}
        - {component: api, consistently: {attempts: 20, over: 60s, at_least: 90%}}
        - {component: api, within: 600s}
        - {logs: [app.log], expect_none: dns_failure, component: api, since: 2h}
        - {logs: [app.log], cause: pool_exhausted, at_most: 5, since: 10m}
"""


def test_defaults_forms_and_labels() -> None:
    validation = parse_config(TEXT).sections["validation"]
    assert isinstance(validation, Validation)
    assert validation.threshold == 0.8  # the brief's 80%
    (category,) = validation.categories
    assert category.critical is False
    assert [c.form for c in category.checks] == [
        Form.ONCE,
        Form.CONSISTENTLY,
        Form.WITHIN,
        Form.LOGS,
        Form.LOGS,
    ]
    assert [c.label() for c in category.checks] == [
        "api",
        "api 20x over 60s",
        "api within 600s",
        "logs no dns_failure for api since 2h",
        "logs at most 5 pool_exhausted since 10m",
    ]
    assert category.checks[1].consistently is not None and category.checks[1].consistently.required == 18


@pytest.mark.parametrize(
    ("at_least", "required"), [(None, 20), (18, 18), ("90%", 18), ("91%", 19), ("0%", 1), ("100%", 20)]
)
def test_consistently_required(at_least: object, required: int) -> None:
    """A share rounds up: 91% of 20 attempts is 19, never 18."""
    assert Consistently.model_validate({"attempts": 20, "at_least": at_least}).required == required


@pytest.mark.parametrize(("text", "share"), [("80%", 0.8), ("12.5%", 0.125), (0.95, 0.95), (1, 1.0)])
def test_shares(text: object, share: float) -> None:
    assert parse_share(text) == share


def test_the_json_schema_describes_the_section() -> None:
    schema = config_schema()
    data = yaml.safe_load(TEXT)
    jsonschema.validate(data, schema)
    data["validation"]["categories"][0]["checks"][1]["consistently"]["atleast"] = 3
    with pytest.raises(jsonschema.ValidationError, match="atleast"):
        jsonschema.validate(data, schema)


def test_progress_without_a_terminal_speaks_only_for_long_checks() -> None:
    now = [0.0]
    out = io.StringIO()
    progress = Progress(3, out, live=False, clock=lambda: now[0])
    progress.note("db/db within 600s", "not healthy after 1.0s of 600s")
    now[0] = QUIET_NOTE_SECONDS - 1
    progress.note("db/db within 600s", "not healthy after 9.0s of 600s")
    assert out.getvalue() == ""  # a short wait says nothing in CI logs
    now[0] = QUIET_NOTE_SECONDS + 1
    progress.note("db/db within 600s", "not healthy after 11.0s of 600s")
    assert out.getvalue() == "validate: db/db within 600s: not healthy after 11.0s of 600s\n"


def test_progress_on_a_terminal_redraws_one_line() -> None:
    out = io.StringIO()
    progress = Progress(2, out, live=True)
    progress.note("c/api 3x", "attempt 1/3, 0 failed")
    progress.close()
    assert out.getvalue().startswith("\r\x1b[2Kvalidating 0/2 (0 failed) c/api 3x: attempt 1/3")
    assert out.getvalue().endswith("\r\x1b[2K") and "\n" not in out.getvalue()
