"""Without hyperscan, `logs` says so in its output (the findings are the same, the speed is not)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from infraprobe.logs import scan
from infraprobe.output.formats import render
from infraprobe.output.views.logs import FALLBACK_NOTE, logs_report
from tests.conftest import run_cli

LOG = b"2024-05-01 12:00:00,000 ERROR [app.db] FATAL:  sorry, too many clients already\n"


def test_the_python_prefilter_is_announced_and_hyperscan_is_not() -> None:
    fallback = render(logs_report(scan(io.BytesIO(LOG), prefilter="python")), "table")
    fast = render(logs_report(scan(io.BytesIO(LOG), prefilter="hyperscan")), "table")
    assert "pip install 'infraprobe[hyperscan]'" in fallback
    assert FALLBACK_NOTE[:40] not in fast


def test_logs_without_hyperscan_installed_says_so_and_finds_the_same(tmp_path: Path) -> None:
    """`infraprobe logs` where `import hyperscan` fails (the extra not installed): the same findings, the
    pure-Python prefilter named in JSON, and the note in the table, with the command that installs the extra."""
    log = tmp_path / "app.log"
    log.write_bytes(LOG * 3)
    absent = tmp_path / "site"
    absent.mkdir()
    (absent / "hyperscan.py").write_text("raise ImportError('No module named hyperscan')\n")
    without = {"PYTHONPATH": str(absent)}
    table = run_cli("logs", str(log), env=without).stdout
    assert "pip install 'infraprobe[hyperscan]'" in " ".join(table.split())
    slow = json.loads(run_cli("logs", str(log), "-o", "json", env=without).stdout)
    fast = json.loads(run_cli("logs", str(log), "-o", "json").stdout)
    assert (slow["prefilter"], fast["prefilter"]) == ("python", "hyperscan")
    assert slow["findings"] == fast["findings"] and slow["findings"]
