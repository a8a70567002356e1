"""The verdict over real servers: the pass rate and the critical categories, and which one decided."""

from __future__ import annotations

from collections.abc import Callable

import jsonschema
import pytest

from infraprobe.configfile import LoadedConfig
from infraprobe.errors import ConfigError
from infraprobe.taxonomy import Cause
from infraprobe.testing.httpservers import HttpServer
from infraprobe.validate import OUTPUT_SCHEMA, Selection, validate
from infraprobe.validate.outcome import CRITICAL, RATE

ORDERS = "        - {component: orders}\n"


def _env(app: HttpServer, *, orders_in: str) -> str:
    """Ten checks; nine pass. `orders` (/error: an application 500) is in the category `orders_in`."""
    categories = {
        "connectivity": (
            "        - {component: api}\n"
            "        - {component: json}\n"
            "        - {component: api, consistently: {attempts: 3}}\n"
            "        - {component: json, consistently: {attempts: 2, over: 0.2s}}\n"
        ),
        "application": "        - {component: api, within: 2s}\n        - {component: json, name: json again}\n",
        "extras": "        - {component: json, name: json third}\n        - {component: api, name: api third}\n",
    }
    categories[orders_in] += ORDERS
    if orders_in == "application":
        categories["extras"] += "        - {component: api, name: api fourth}\n"
    else:
        categories["application"] += "        - {component: api, name: api again}\n"
    critical = {"connectivity": "true", "application": "true", "extras": "false"}
    body = "".join(
        f"    - name: {name}\n      critical: {critical[name]}\n      checks:\n{checks}"
        for name, checks in categories.items()
    )
    return f"""
components:
  - {{name: api, kind: http, url: "{app.url("/ok")}"}}
  - {{name: json, kind: http, url: "{app.url("/json")}", expect: {{json: {{"$.db.ok": true}}}}}}
  - {{name: orders, kind: http, url: "{app.url("/error")}"}}
validation:
  threshold: 80%
  suites: {{smoke: [connectivity]}}
  categories:
{body}"""


async def test_one_non_critical_failure_passes_at_90_percent(
    app: HttpServer, write_env: Callable[[str], LoadedConfig]
) -> None:
    report = await validate(write_env(_env(app, orders_in="extras")))
    assert len(report.checks) == 10
    doc = report.to_dict()
    jsonschema.validate(doc, OUTPUT_SCHEMA)  # every form but logs and flows (test_forms covers those)
    del doc["checks"][0]["passed"]  # a field renamed or dropped breaks the contract
    with pytest.raises(jsonschema.ValidationError, match="'passed' is a required property"):
        jsonschema.validate(doc, OUTPUT_SCHEMA)
    assert [c.id for c in report.failures] == ["extras/orders"]
    diagnosis = report.failures[0].diagnosis
    assert diagnosis is not None and diagnosis.cause is Cause.APP_ERROR
    assert report.verdict.rate == 0.9
    assert report.verdict.passed and report.exit_code == 0
    assert report.verdict.decided_by == (RATE, CRITICAL)  # a pass needs both criteria
    assert report.verdict.reason == "pass rate 90% >= threshold 80%, and all 2 critical categories passed"
    extras = next(c for c in report.categories if c.name == "extras")
    assert (extras.passed, extras.failed, extras.critical, extras.ok) == (2, 1, False, False)


async def test_a_critical_category_failure_fails_whatever_the_rate(
    app: HttpServer, write_env: Callable[[str], LoadedConfig]
) -> None:
    report = await validate(write_env(_env(app, orders_in="application")))
    assert [c.id for c in report.failures] == ["application/orders"]
    assert report.verdict.rate == 0.9  # the same rate that passed above
    assert not report.verdict.passed and report.exit_code == 1
    assert report.verdict.decided_by == (CRITICAL,)
    assert report.verdict.failed_critical == ("application",)
    assert report.verdict.reason.startswith("critical category failed: application")


async def test_the_rate_alone_can_fail_the_run(
    app: HttpServer, write_env: Callable[[str], LoadedConfig]
) -> None:
    """With a 95% threshold the same non-critical failure fails the run, on the rate alone."""
    text = _env(app, orders_in="extras").replace("threshold: 80%", "threshold: 95%")
    report = await validate(write_env(text))
    assert not report.verdict.passed
    assert report.verdict.decided_by == (RATE,)
    assert report.verdict.reason == "pass rate 90% < threshold 95%"


async def test_selection_by_suite_category_and_only(
    app: HttpServer, write_env: Callable[[str], LoadedConfig]
) -> None:
    loaded = write_env(_env(app, orders_in="extras"))
    smoke = await validate(loaded, Selection(suite="smoke"))
    assert {c.category for c in smoke.checks} == {"connectivity"}
    assert smoke.to_dict()["selection"] == {"suite": "smoke", "categories": [], "only": []}
    only = await validate(loaded, Selection(only=("orders",)))
    assert [c.id for c in only.checks] == ["extras/orders"]
    assert not only.verdict.passed  # 0% of one check
    extras = await validate(loaded, Selection(categories=("extras",)))
    assert [c.name for c in extras.checks] == ["json third", "api third", "orders"]


@pytest.mark.parametrize(
    ("selection", "field"),
    [
        (Selection(suite="nightly"), "--suite"),
        (Selection(categories=("cache",)), "--category"),
        (Selection(only=("redis",)), "--only"),
    ],
)
async def test_unknown_selections_are_usage_errors(
    app: HttpServer, write_env: Callable[[str], LoadedConfig], selection: Selection, field: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        await validate(write_env(_env(app, orders_in="extras")), selection)
    assert caught.value.field == field
