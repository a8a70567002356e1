"""A one-line progress indicator on stderr while checks are in flight (terminals only)."""

from __future__ import annotations

import sys

from infraprobe.result import CheckResult, Status


class Progress:
    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled
        self.finished = 0
        self.failed = 0
        self._draw()

    def done(self, result: CheckResult) -> None:
        self.finished += 1
        self.failed += result.status is Status.FAIL
        self._draw(result.component)

    def _draw(self, last: str = "") -> None:
        if self.enabled:
            line = f"checking {self.finished}/{self.total} ({self.failed} failed) {last}"
            sys.stderr.write("\r\x1b[2K" + line[:100])
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()
