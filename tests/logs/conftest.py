"""Fixtures for the log scanner: real client failures captured through `logging`, and a scan helper."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from infraprobe.logs import LogSummary, native, scan

# A fixed "now" so relative windows and yearless timestamps (syslog) are deterministic.
NOW = datetime(2024, 5, 1, 13, 0, tzinfo=UTC)
PYTHON_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # asctime: `2024-05-01 12:00:00,123`

Scan = Callable[..., LogSummary]


@pytest.fixture(params=["compiled", "python"])
def both_paths(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run a test with the compiled helpers (`native`) and again with their pure-Python twins."""
    if request.param == "python":
        monkeypatch.setattr(native, "ENABLED", False)
    elif not native.BUILT:
        pytest.skip("the compiled helpers are not built (test_native.py::test_built fails)")


@pytest.fixture
def scan_text(tmp_path: Path) -> Scan:
    """Write text to a file and scan it (keyword arguments go to `scan`)."""

    def run(text: str | bytes, name: str = "app.log", **kw: object) -> LogSummary:
        path = tmp_path / name
        path.write_bytes(text.encode() if isinstance(text, str) else text)
        kw.setdefault("now", NOW)
        return scan(path, **kw)  # type: ignore[arg-type]

    return run


@pytest.fixture
def file_logger(tmp_path: Path) -> Iterator[Callable[[str], tuple[logging.Logger, Path]]]:
    """A logger writing Python's default-style lines to a file, as a service would."""
    handlers: list[logging.Handler] = []

    def make(name: str) -> tuple[logging.Logger, Path]:
        path = tmp_path / f"{name}.log"
        handler = logging.FileHandler(path)
        handler.setFormatter(logging.Formatter(PYTHON_FORMAT))
        logger = logging.getLogger(f"infraprobe-test.{name}")
        logger.propagate = False
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        handlers.append(handler)
        return logger, path

    yield make
    for handler in handlers:
        handler.close()
        for logger in logging.Logger.manager.loggerDict.values():
            if isinstance(logger, logging.Logger) and handler in logger.handlers:
                logger.removeHandler(handler)


def by_cause(summary: LogSummary) -> dict[str, int]:
    """`cause:component` -> count, for compact assertions."""
    return {f"{f.cause.value}:{f.component.value}": f.count for f in summary.findings}
