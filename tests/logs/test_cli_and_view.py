"""`infraprobe logs` as a user runs it (subprocess), and the report view in every format."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from infraprobe.logs import scan
from infraprobe.output.formats import render
from infraprobe.output.views.logs import logs_report
from tests.conftest import run_cli

from .conftest import NOW

LOG = (
    "2024-05-01 12:00:00,000 INFO app: started\n"
    "2024-05-01 12:00:05,000 ERROR app: Error -3 connecting to cache.invalid:6379. Temporary failure in name resolution.\n"
    "2024-05-01 12:03:00,000 ERROR app: connecting to postgresql://app:hunter22@db.invalid/orders failed: "
    "FATAL:  sorry, too many clients already\n"
    "2024-05-01 12:04:00,000 ERROR billing: invoice 12 could not be rendered\n"
)


def run_logs(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli("logs", *args, stdin=stdin)


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    path = tmp_path / "app.log"
    path.write_text(LOG)
    return path


def test_json_output_is_the_summary_payload(log_file: Path) -> None:
    """`--format json` prints findings, clusters and histogram; exit 0 without assertions."""
    done = run_logs(str(log_file), "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert {(f["cause"], f["component"]) for f in data["findings"]} == {
        ("dns_failure", "redis"),
        ("db_connection_limit", "postgres"),
    }
    assert data["clusters"][0]["count"] == 1
    assert data["histogram"]["bucket_seconds"] == 60
    assert "hunter22" not in done.stdout


def test_expect_none_exits_1_with_offending_lines(log_file: Path) -> None:
    """`--expect-none CAUSE:COMPONENT` fails with the matching lines; a cause absent passes."""
    failed = run_logs(str(log_file), "--expect-none", "db_connection_limit:postgres")
    assert failed.returncode == 1
    assert f"{log_file}:3" in failed.stdout
    assert "hunter22" not in failed.stdout
    passed = run_logs(str(log_file), "--expect-none", "pool_exhausted", "--since", "2024-05-01T12:02:00Z")
    assert passed.returncode == 0, passed.stdout


def test_stdin_markdown_and_component(log_file: Path) -> None:
    """`-` reads stdin; `--component` narrows; markdown renders."""
    done = run_logs("-", "--component", "redis", "--format", "markdown", stdin=LOG)
    assert done.returncode == 0, done.stderr
    assert "| dns_failure | redis |" in done.stdout
    assert "db_connection_limit" not in done.stdout


def test_usage_errors_exit_2_and_unreadable_input_3(log_file: Path) -> None:
    """A bad `--since` or an unknown cause is a usage error (2); only unreadable inputs, an input error (3)."""
    assert run_logs(str(log_file), "--since", "yesterday-ish").returncode == 2
    bad_until = run_logs(str(log_file), "--until", "soon")  # named alone: the option that is wrong
    assert bad_until.returncode == 2 and bad_until.stderr.startswith(
        "error: --until: cannot read time 'soon'"
    )
    bad_cause = run_logs(str(log_file), "--expect-none", "dns_fail")
    assert bad_cause.returncode == 2
    assert "unknown cause 'dns_fail'" in bad_cause.stderr
    assert run_logs("/nonexistent/x.log").returncode == 3


def test_view_renders_in_every_format(log_file: Path) -> None:
    """The pure view renders as table, markdown and JSON; exit code follows the assertions."""
    summary = scan(log_file, now=NOW, expect_none=["dns_failure"])
    report = logs_report(summary)
    assert report.exit_code == 1
    table = render(report, "table")
    assert "FAIL: expected none of dns_failure" in table
    assert "failure events per minute" in table
    assert "What to do" in render(report, "markdown")
    assert json.loads(render(report, "json"))["violations"][0]["count"] == 1
