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


class ReadProgress:
    """`reading app.log 312/500 MB (62%)` on stderr while a large log is scanned: redrawn in place on a
    terminal (`live`), else (asked for with --progress, stderr a file or a CI log) one plain line per
    tenth. stdout, where machine output goes, is never written."""

    MIN_BYTES = 32 * 1024 * 1024  # smaller inputs finish before a progress line would help

    def __init__(self, enabled: bool, live: bool = True) -> None:
        self.enabled = enabled
        self.live = live
        self._shown = (-1, "")
        self.drawn = False

    def __call__(self, name: str, done: int, size: int | None) -> None:
        if not self.enabled or (size or done) < self.MIN_BYTES:
            return
        step = self._step(done, size)
        if (step, name) == self._shown:
            return
        self._shown, self.drawn = (step, name), True
        total = f"/{size / 1e6:.0f} MB ({done * 100 // size}%)" if size else " MB"
        line = f"reading {name[-60:]} {done / 1e6:.0f}{total}"
        sys.stderr.write(f"\r\x1b[2K{line}" if self.live else f"{line}\n")
        sys.stderr.flush()

    def _step(self, done: int, size: int | None) -> int:
        # A terminal is redrawn each percent (or 16 MiB); a log gets a line each tenth (or 256 MiB).
        if size:
            return done * 100 // size if self.live else done * 10 // size
        return done >> 24 if self.live else done >> 28

    def close(self) -> None:
        if self.drawn and self.live:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()


def result_note(result: CheckResult) -> str:
    """One result as `-v` says it: `web: fail in 1.2 ms (connect 1.1)`."""
    phases = ", ".join(f"{p.name} {p.seconds * 1000:.1f}" for p in result.phases)
    return f"{result.component}: {result.status.value} in {result.duration * 1000:.1f} ms ({phases or 'no phases'})"
