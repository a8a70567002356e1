"""Progress on large inputs: the scan reports bytes read, the CLI draws them on a terminal only."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from infraprobe.cli.progress import ReadProgress
from infraprobe.logs import scan
from tests.conftest import run_cli

sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))
from gen_logs import generate


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("progress") / "app.log"
    with path.open("wb") as out:
        generate(out, 3 << 20, 0.01, seed=5)
    return path


@pytest.mark.parametrize("workers", [1, 2])
def test_scan_reports_bytes_read_up_to_the_size(big_log: Path, workers: int) -> None:
    """Calls come in order, never past the file's size, and the last one is the whole file."""
    calls: list[tuple[str, int, int | None]] = []
    scan(big_log, chunk_size=256 * 1024, workers=workers, progress=lambda *a: calls.append(a))
    size = big_log.stat().st_size
    done = [d for _, d, _ in calls]
    assert len(calls) > 3
    assert done == sorted(done)
    assert {s for _, _, s in calls} == {size}
    assert done[-1] == size
    assert calls[0][0].endswith("app.log")


def test_progress_is_drawn_only_when_enabled_and_large(capsys: pytest.CaptureFixture[str]) -> None:
    """A terminal gets one line per percent; a pipe (disabled) or a small input gets nothing."""
    ReadProgress(enabled=False)("app.log", 80 << 20, 100 << 20)
    ReadProgress(enabled=True)("app.log", 1 << 20, 2 << 20)
    assert capsys.readouterr().err == ""
    shown = ReadProgress(enabled=True)
    shown("app.log", 50 << 20, 100 << 20)
    shown("app.log", 50 << 20, 100 << 20)
    shown.close()
    err = capsys.readouterr().err
    assert err.count("reading app.log 52/105 MB (50%)") == 1
    assert err.endswith("\r\x1b[2K")


def test_asked_for_progress_is_plain_lines_on_stderr_only(tmp_path: Path) -> None:
    """`--progress` with stderr not a terminal: one plain line per tenth, no escape codes, and stdout
    still parses as JSON; without it (and no terminal), stderr stays empty."""
    path = tmp_path / "big.log"
    path.write_bytes(b"2024-05-01 12:00:00,000 INFO [app] ok\n" * (ReadProgress.MIN_BYTES // 38 + 1000))
    asked = run_cli("logs", str(path), "-f", "json", "--progress")
    assert json.loads(asked.stdout)["lines"] > 800_000
    lines = asked.stderr.splitlines()
    assert lines[-1].startswith("reading ") and lines[-1].endswith("(100%)")
    assert 2 <= len(lines) <= 11 and "\x1b" not in asked.stderr
    quiet = run_cli("logs", str(path), "-f", "json")
    assert quiet.stderr == "" and quiet.stdout == asked.stdout
