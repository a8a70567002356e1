"""`infraprobe check`: exit codes, formats, selection and colour policy, end to end."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import run_cli

TWO = """
environment: cli-test
components:
  - {{name: up, kind: tcp, host: 127.0.0.1, port: {up}}}
  - {{name: down, kind: tcp, host: 127.0.0.1, port: {down}, critical: {critical}}}
"""


def _config(write: Callable[[str], Path], up: int, down: int, critical: bool = True) -> Path:
    return write(TWO.format(up=up, down=down, critical=str(critical).lower()))


def test_exit_1_when_a_critical_check_fails(write_config, listener, closed_port) -> None:  # type: ignore[no-untyped-def]
    """A refused critical dependency fails the run with exit 1 and names the cause."""
    proc = run_cli("check", str(_config(write_config, listener, closed_port)))
    assert proc.returncode == 1, proc.stderr
    assert "connection_refused" in proc.stdout
    assert "\x1b[" not in proc.stdout  # not a TTY: no colour


def test_exit_0_when_only_non_critical_fails(write_config, listener, closed_port) -> None:  # type: ignore[no-untyped-def]
    """A failing non-critical component is reported but does not fail the run."""
    proc = run_cli("check", str(_config(write_config, listener, closed_port, critical=False)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "fail*" in proc.stdout


def test_json_format_is_parseable_and_complete(write_config, listener, closed_port) -> None:  # type: ignore[no-untyped-def]
    """--format json prints one document with every result, its phases and its diagnosis."""
    proc = run_cli("check", str(_config(write_config, listener, closed_port)), "--format", "json")
    doc = json.loads(proc.stdout)
    by_name = {r["component"]: r for r in doc["results"]}
    assert by_name["up"]["status"] == "ok" and "connect" in by_name["up"]["phases_ms"]
    assert by_name["down"]["diagnosis"]["cause"] == "connection_refused"
    assert by_name["down"]["diagnosis"]["layer"] == "infrastructure"
    assert doc["ok"] is False and doc["counts"] == {"ok": 1, "warn": 0, "fail": 1}


def test_a_path_is_shown_not_probed_and_left_out_of_the_counts(write_config, listener, closed_port) -> None:  # type: ignore[no-untyped-def]
    """A `path` component is said to be not probed, in the table and in JSON; it is no row and no `ok`."""
    path = write_config(
        TWO.format(up=listener, down=closed_port, critical="true") + "  - {name: vpc, kind: path}\n"
    )
    table = run_cli("check", str(path)).stdout
    assert "FAIL: 1 ok, 0 warn, 1 fail" in table and "not probed (no endpoint of their own): vpc" in table
    assert not [line for line in table.splitlines() if line.split()[1:2] == ["vpc"]]
    doc = json.loads(run_cli("check", str(path), "-o", "json").stdout)
    assert doc["not_probed"] == ["vpc"] and doc["counts"] == {"ok": 1, "warn": 0, "fail": 1}
    assert [r["component"] for r in doc["results"]] == ["up", "down"]


def test_markdown_format(write_config, listener, closed_port) -> None:  # type: ignore[no-untyped-def]
    """--format markdown prints a GitHub table with a row per component."""
    proc = run_cli("check", str(_config(write_config, listener, closed_port)), "--format", "markdown")
    assert proc.stdout.startswith("# infraprobe check: cli-test")
    assert "| ok | up | tcp |" in proc.stdout


def test_only_selects_components(write_config, listener, closed_port) -> None:  # type: ignore[no-untyped-def]
    """--only limits the run to the named components (so the failing one is not checked)."""
    proc = run_cli("check", str(_config(write_config, listener, closed_port)), "--only", "up", "-f", "json")
    assert proc.returncode == 0
    assert [r["component"] for r in json.loads(proc.stdout)["results"]] == ["up"]


def test_only_unknown_name_is_usage_error(write_config, listener, closed_port) -> None:  # type: ignore[no-untyped-def]
    """--only with a name the config lacks is a usage error (exit 2), in one line."""
    proc = run_cli("check", str(_config(write_config, listener, closed_port)), "--only", "nope")
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "nope" in proc.stderr


def test_config_error_exit_3_without_traceback(write_config) -> None:  # type: ignore[no-untyped-def]
    """A broken config exits 3 (not 2, a usage error) with file:line:field, never a traceback."""
    path = write_config("components:\n  - {name: a, kind: tcp, host: x, port: nope}\n")
    proc = run_cli("check", str(path))
    assert proc.returncode == 3
    assert "Traceback" not in proc.stderr
    assert f"{path}:2:" in proc.stderr and "components[0].port" in proc.stderr


def test_missing_config_file_exit_3(tmp_path: Path) -> None:
    """A config path that does not exist is a config error: the call was right, the file is not there."""
    proc = run_cli("check", str(tmp_path / "absent.yaml"))
    assert proc.returncode == 3 and "file not found" in proc.stderr and "Traceback" not in proc.stderr


def test_config_validate_and_schema(write_config, listener, closed_port) -> None:  # type: ignore[no-untyped-def]
    """`config validate` accepts a good file without probing; `config schema` prints JSON Schema."""
    proc = run_cli("config", "validate", str(_config(write_config, listener, closed_port)))
    assert proc.returncode == 0 and "ok (2 components: tcp)" in proc.stdout
    schema = json.loads(run_cli("config", "schema").stdout)
    assert schema["properties"]["components"]["type"] == "array"
