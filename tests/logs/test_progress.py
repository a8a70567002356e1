"""Progress on large inputs: the scan reports bytes read, the CLI draws them on a terminal only."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from infraprobe.cli.progress import ReadProgress
from infraprobe.logs import scan

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
