"""Without hyperscan, `logs` says so in its output (the findings are the same, the speed is not)."""

from __future__ import annotations

import io

from infraprobe.logs import scan
from infraprobe.output.formats import render
from infraprobe.output.views.logs import FALLBACK_NOTE, logs_report

LOG = b"2024-05-01 12:00:00,000 ERROR [app.db] FATAL:  sorry, too many clients already\n"


def test_the_python_prefilter_is_announced_and_hyperscan_is_not() -> None:
    fallback = render(logs_report(scan(io.BytesIO(LOG), prefilter="python")), "table")
    fast = render(logs_report(scan(io.BytesIO(LOG), prefilter="hyperscan")), "table")
    assert "pip install 'infraprobe[hyperscan]'" in fallback
    assert FALLBACK_NOTE[:40] not in fast
