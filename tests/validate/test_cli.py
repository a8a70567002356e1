"""`infraprobe validate` as a user runs it: exit codes, JSON schema, markdown, and a JUnit file that a
JUnit reader (junitparser, and the standard library's XML parser as CI plugins use) loads back."""

from __future__ import annotations

import asyncio
import json
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from junitparser import Failure, JUnitXml

from infraprobe import __version__
from infraprobe.cli.main import main
from infraprobe.testing.httpservers import HttpServer
from infraprobe.validate import OUTPUT_SCHEMA
from tests.conftest import run_cli


async def _validate(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess, off the event loop, so the test's servers keep answering."""
    return await asyncio.to_thread(run_cli, "validate", *args)


def _env(app: HttpServer, critical_orders: bool = False) -> str:
    return f"""
environment: staging
components:
  - {{name: api, kind: http, url: "{app.url("/ok")}"}}
  - {{name: orders, kind: http, url: "{app.url("/error")}"}}
validation:
  threshold: 50%
  suites: {{smoke: [connectivity]}}
  categories:
    - name: connectivity
      critical: true
      checks:
        - {{component: api}}
        - {{component: api, consistently: {{attempts: 2}}}}
    - name: application
      critical: {str(critical_orders).lower()}
      checks:
        - {{component: orders}}
"""


@pytest.fixture
def config(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        path = tmp_path / "staging.yaml"
        path.write_text(text)
        return path

    return write


async def test_json_and_junit_for_a_passing_run(
    app: HttpServer, config: Callable[[str], Path], tmp_path: Path
) -> None:
    junit = tmp_path / "out" / "validate.xml"
    junit.parent.mkdir()
    done = await _validate(str(config(_env(app))), "--format", "json", "--junit", str(junit))
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    jsonschema.validate(doc, OUTPUT_SCHEMA)
    assert doc["schema"] == "infraprobe.validate/v1"
    assert doc["tool"] == {"name": "infraprobe", "version": __version__}
    assert doc["verdict"]["passed"] is True and doc["verdict"]["decided_by"] == [
        "pass_rate",
        "critical_categories",
    ]
    assert doc["summary"] == {"checks": 3, "passed": 2, "failed": 1}
    orders = doc["checks"][2]
    assert (orders["id"], orders["passed"], orders["diagnosis"]["cause"]) == (
        "application/orders",
        False,
        "app_error",
    )
    assert orders["attempts"][0]["status"] == "fail"  # the probe result it rests on

    xml = JUnitXml.fromfile(str(junit))
    suites = {s.name: s for s in xml}
    assert list(suites) == ["connectivity", "application"]
    assert (suites["connectivity"].tests, suites["connectivity"].failures) == (2, 0)
    (case,) = list(suites["application"])
    assert case.name == "orders" and case.classname == "application.once"
    (failure,) = case.result
    assert isinstance(failure, Failure) and failure.type == "app_error"
    assert "layer: application" in failure.text and "next: " in failure.text
    assert "critical: no" in failure.text
    assert "ZeroDivisionError" in failure.text  # the evidence
    root = ET.parse(junit).getroot()  # what most CI plugins do
    assert root.tag == "testsuites" and root.get("tests") == "3" and root.get("failures") == "1"


async def test_a_critical_failure_exits_1_with_markdown_for_the_incident(
    app: HttpServer, config: Callable[[str], Path]
) -> None:
    done = await _validate(str(config(_env(app, critical_orders=True))), "--format", "markdown")
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("# infraprobe validate: staging")
    assert "FAIL: 2 of 3 checks passed" in done.stdout
    assert "decided by critical categories" in done.stdout
    assert "## Failures" in done.stdout and "application/orders: app_error (application, http)" in done.stdout


def _main(*argv: str) -> int:
    """The CLI in this process: quicker than a subprocess for the many short cases."""
    try:
        main(["validate", *argv])
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


async def test_table_by_suite(
    app: HttpServer, config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = config(_env(app, critical_orders=True))
    code = await asyncio.to_thread(_main, str(path), "--suite", "smoke")  # the servers answer meanwhile
    out = capsys.readouterr().out
    assert code == 0
    assert "PASS: 2 of 2 checks passed" in out
    assert "application" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--suite", "nightly"), "error: --suite: no suite named 'nightly' (known: smoke)"),
        (("--category", "cache"), "error: --category: no category named 'cache'"),
        (("--only", "redis"), "error: --only: no selected check is or targets 'redis'"),
        (("--format", "yaml"), "Usage:"),
    ],
)
def test_usage_errors_exit_2(
    config: Callable[[str], Path], capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    code = _main(str(config(_env_static())), *args)
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.startswith(message) and "Traceback" not in captured.err
    assert captured.out == ""


def _env_static() -> str:
    return (
        "components:\n  - {name: api, kind: http, url: 'http://127.0.0.1:1/'}\n"
        "validation:\n  suites: {smoke: [c]}\n  categories:\n    - {name: c, checks: [{component: api}]}\n"
    )


def test_config_errors_exit_3_with_file_line_and_field(
    config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = config(_env_static().replace("{component: api}", "{component: apx}"))
    assert _main(str(path)) == 3
    assert capsys.readouterr().err.strip() == (
        f"error: {path}:6:38: validation.categories[0].checks[0].component: "
        "no component of that name; did you mean 'api'? (got 'apx')"
    )


def test_a_config_without_a_validation_section_exits_3(
    config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = config("components:\n  - {name: api, kind: http, url: 'http://127.0.0.1:1/'}\n")
    assert _main(str(path)) == 3
    assert capsys.readouterr().err.strip() == f"error: {path}: no `validation:` section to run"


def test_an_unwritable_junit_file_exits_3(
    config: Callable[[str], Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = config(_env_static())
    assert _main(str(path), "--junit", str(tmp_path / "missing" / "dir" / "j.xml")) == 3
    captured = capsys.readouterr()
    assert captured.err.startswith("error: --junit: cannot write") and captured.err.endswith(
        "no such directory\n"
    )
    assert captured.out == ""  # refused before any check ran
