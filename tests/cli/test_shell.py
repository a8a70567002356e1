"""The CLI shell shared by every command: flags, exit codes, --output, help."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from infraprobe.cli.check import component_names
from tests.conftest import run_cli

LOG = "2024-05-01 12:00:00,000 ERROR [app.db] FATAL:  sorry, too many clients already\n"


def _slow_config(path: Path, port: int) -> Path:
    """One check that passes but over its latency budget: a warning."""
    path.write_text(
        f"components:\n  - {{name: db, kind: tcp, host: 127.0.0.1, port: {port}, max_latency: 0.000001}}\n"
    )
    return path


def test_fail_on_warn_turns_a_warning_into_exit_1(tmp_path: Path, listener: int) -> None:
    config = _slow_config(tmp_path / "env.yaml", listener)
    assert run_cli("check", str(config)).returncode == 0
    gated = run_cli("check", str(config), "--fail-on", "WARN")
    assert gated.returncode == 1, gated.stderr


def test_an_empty_component_list_is_an_error_not_a_pass(tmp_path: Path) -> None:
    config = tmp_path / "env.yaml"
    config.write_text("components: []\n")
    proc = run_cli("check", str(config))
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "nothing to check" in proc.stderr


def test_output_file_beside_the_terminal_output(tmp_path: Path, listener: int) -> None:
    """--output FILE.json writes the JSON document; stdout keeps the table."""
    config = _slow_config(tmp_path / "env.yaml", listener)
    out = tmp_path / "report.json"
    proc = run_cli("check", str(config), "--output", str(out))
    assert "infraprobe check" in proc.stdout and not proc.stdout.startswith("{")
    doc = json.loads(out.read_text())
    assert (doc["schema"], doc["results"][0]["component"]) == ("infraprobe.check/v1", "db")


def test_component_filter_is_repeatable_and_case_insensitive(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text(LOG + "2024-05-01 12:00:01,000 ERROR [app.cache] NOAUTH Authentication required.\n")
    both = json.loads(
        run_cli("logs", str(log), "-o", "json", "--component", "Postgres", "--component", "redis").stdout
    )
    one = json.loads(run_cli("logs", str(log), "-o", "json", "--component", "redis").stdout)
    assert both["components"] == ["postgres", "redis"] and both["events"] == 2
    assert one["events"] == 1


def test_unreadable_input_warns_and_fails_only_when_absence_is_asserted(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text(LOG)
    missing = str(tmp_path / "gone.log")
    plain = run_cli("logs", str(log), missing)
    assert plain.returncode == 0  # findings alone do not fail `logs`; the unreadable file is a warning
    assert f"warning: {missing}" in plain.stderr
    asserted = run_cli("logs", str(log), missing, "--expect-none", "auth_failed")
    assert asserted.returncode == 2  # cannot show auth_failed is absent from a file it could not read
    assert f"error: {missing}" in asserted.stderr


def test_short_help_and_plain_metavars() -> None:
    """-h works on every command; no Python types in help."""
    for command in ("check", "logs", "classify", "analyze", "config"):
        proc = run_cli(command, "-h")
        assert proc.returncode == 0, (command, proc.stderr)
        assert "<list[" not in proc.stdout and "<path>" not in proc.stdout, command
    assert "--only NAME" in run_cli("check", "-h").stdout


def test_colour_follows_the_flag_then_force_color_then_no_color() -> None:
    """Piped output is plain unless asked: --color always, or FORCE_COLOR in the environment (CI logs)."""
    bold = "\x1b[1m"
    assert bold not in run_cli("classify", "connection refused").stdout  # NO_COLOR=1 from run_cli
    assert bold in run_cli("--color", "always", "classify", "connection refused").stdout
    assert bold in run_cli("classify", "connection refused", env={"NO_COLOR": "", "FORCE_COLOR": "1"}).stdout
    never = run_cli(
        "--color", "never", "classify", "connection refused", env={"NO_COLOR": "", "FORCE_COLOR": "1"}
    )
    assert bold not in never.stdout


def test_quiet_prints_the_verdict_and_no_headers_drops_header_lines(tmp_path: Path, closed_port: int) -> None:
    config = tmp_path / "env.yaml"
    config.write_text(f"components:\n  - {{name: web, kind: tcp, host: 127.0.0.1, port: {closed_port}}}\n")
    quiet = run_cli("check", str(config), "-q")
    assert quiet.returncode == 1
    assert quiet.stdout.splitlines() == [quiet.stdout.strip()] and quiet.stdout.startswith("FAIL: 0 ok")
    bare = run_cli("check", str(config), "--no-headers").stdout
    assert "connection_refused" in bare
    assert "component" not in bare and "------" not in bare


def test_only_completes_the_component_names_of_the_config(tmp_path: Path) -> None:
    """Shell completion for --only offers the names in the config given before it."""
    config = tmp_path / "env.yaml"
    config.write_text(
        "components:\n  - {name: orders-db, kind: path}\n  - {name: orders-api, kind: path}\n  - {name: cache, kind: path}\n"
    )
    ctx = SimpleNamespace(params={"config": config})
    assert component_names(ctx, "orders") == ["orders-db", "orders-api"]  # type: ignore[arg-type]
    assert component_names(SimpleNamespace(params={"config": tmp_path / "none.yaml"}), "") == []  # type: ignore[arg-type]
