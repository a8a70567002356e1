"""`./dev demo` keeps working: the demo environment is diagnosed exactly as staged. (The README's first
command, `./dev lab`, is proved end to end, report included, by tests/lab/test_lab_e2e.py.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[2] / "tools" / "demo.py"


@pytest.mark.needs_pg
@pytest.mark.needs_redis
def test_demo_diagnoses_every_component_as_staged() -> None:
    """`python tools/demo.py` (what `./dev demo` runs) exits 0 only when all 13 verdicts match."""
    done = subprocess.run(
        [sys.executable, str(DEMO)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "all 13 components diagnosed as staged" in done.stdout
    for cause in ("dns_failure", "upstream_unavailable", "connect_timeout", "auth_failed", "app_error"):
        assert cause in done.stdout
