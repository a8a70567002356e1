"""Hostile input never hangs, never eats memory, never prints a traceback: one error line and exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infraprobe.classifier import classify
from infraprobe.logs import parallel, scan
from infraprobe.redact import Redactor
from tests.core.test_redact import PATHOLOGICAL

MORE_PATHOLOGICAL = {
    "frames": 'File "x", line 1 ' * 61_680,
    "at-frames": "at " * 349_525,
    "escapes": '\\"' * 524_288,
    "errors": "error: " * 149_796,
    "timestamps": "2026-01-01 " * 95_325,
    "chain": "caused by: " * 95_325,
    "json-ish": '{"password": ' * 80_659,
}
ALL_PATHOLOGICAL = {**PATHOLOGICAL, **MORE_PATHOLOGICAL}


def run(*args: str, stdin: bytes | None = None, timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    cmd = [sys.executable, "-m", "infraprobe", *args]
    return subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout, check=False)


def one_error_line(proc: subprocess.CompletedProcess[bytes], code: int = 3) -> str:
    """The one error line; exit 3 (an input that cannot be used) unless `code` says 2 (a bad flag)."""
    err = proc.stderr.decode()
    assert proc.returncode == code, (proc.returncode, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err.strip()


@pytest.mark.parametrize("name", ALL_PATHOLOGICAL)
def test_every_pattern_set_is_linear_on_a_megabyte_line(tmp_path: Path, name: str) -> None:
    """classify (its rules, unescaping, frame blanking, components), the log reader (records, timestamps,
    grouping, prefilter) and masking, each fed a 1 MiB line built to make backtracking explode."""
    text = ALL_PATHOLOGICAL[name]
    log = tmp_path / "one.log"
    log.write_text("2026-01-01 10:00:00 ERROR connection refused\n")
    classify("connection refused"), scan([log], workers=1)  # compiles the rules and the prefilter, untimed
    log.write_text("2026-01-01 10:00:00 ERROR " + text + "\n")
    start = time.process_time()
    classify(text)
    scan([log], workers=1)
    Redactor(["canary-1234"]).value({"k": text, "password": text})
    # Quadratic work on a 1 MiB line is ~10^12 steps (hours); linear is 0.2 s on a quiet machine. 3 s of CPU
    # keeps that gap while a loaded machine (CPU time inflates several times under contention) stays green.
    assert time.process_time() - start < 3.0


@pytest.mark.parametrize("stamp", ["1e999", '"Infinity"', "-1e999", '"1e999"', '{"seconds": 1e999}'])
def test_logs_infinite_timestamps_end(tmp_path: Path, stamp: str) -> None:
    """A JSON-lines time of 1e999 or Infinity used to divide forever: now the event has no time."""
    log = tmp_path / "inf.jsonl"
    log.write_text(f'{{"time": {stamp}, "level": "error", "msg": "connection refused"}}\n')
    proc = run("logs", str(log), "--format", "json", timeout=20)
    assert b"Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["findings"][0]["count"] == 1


@pytest.mark.parametrize("since", ["99999999999999999999d", "1e400d"])
def test_huge_durations_are_one_line_errors(tmp_path: Path, since: str) -> None:
    log = tmp_path / "a.log"
    log.write_text("2026-01-01 10:00:00 ERROR connection refused\n")
    assert "--since" in one_error_line(run("logs", str(log), "--since", since), code=2)


def test_lone_surrogate_escapes_are_printed_escaped(tmp_path: Path) -> None:
    """A `\\ud800` escape in a JSON log decodes to text UTF-8 cannot encode: printed escaped, not a crash."""
    log = tmp_path / "s.jsonl"
    log.write_text('{"msg": "connection refused \\ud800 here", "level": "error"}\n')
    for fmt in ("table", "json", "markdown"):
        proc = run("logs", str(log), "--format", fmt)
        assert b"Traceback" not in proc.stderr and b"connection_refused" in proc.stdout, proc.stderr


def test_a_fifo_without_a_writer_does_not_hang(tmp_path: Path) -> None:
    """logs and config validate on a FIFO nobody writes to: they read it as empty and end."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert run("logs", str(fifo), timeout=20).returncode in (0, 3)
    assert run("config", "validate", str(fifo), timeout=20).returncode == 3


@pytest.mark.parametrize("command", [("logs",), ("config", "validate"), ("check",)])
def test_devices_are_refused(command: tuple[str, ...]) -> None:
    """/dev/zero never ends: it is refused by name, at once, instead of read until memory runs out."""
    line = one_error_line(run(*command, "/dev/zero", timeout=20))
    assert "/dev/zero" in line and "not a regular file or a pipe" in line


def test_oversized_config_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.truncate(17 * 1024 * 1024)
    assert "larger than 16 MiB" in one_error_line(run("config", "validate", str(big)))


def test_oversized_stdin_for_classify_is_refused() -> None:
    proc = run("classify", stdin=b"x" * (17 * 1024 * 1024))
    assert "stdin is larger than 16 MiB" in one_error_line(proc)


def test_classify_jsonl_survives_deep_and_long_lines() -> None:
    """Deep JSON (RecursionError) and a 2 MiB line are error objects for their lines; the next line works."""
    lines = [
        '{"text": ' + "[" * 5000 + "]" * 5000 + "}",
        '{"text": "' + "a" * 2_000_000 + '"}',
        '{"text": "connection refused"}',
    ]
    proc = run("classify", "--jsonl", stdin=("\n".join(lines) + "\n").encode())
    out = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert proc.returncode == 3 and b"Traceback" not in proc.stderr
    assert out[0]["error"].endswith("JSON nested too deeply")
    assert out[1]["error"].endswith("line longer than 1 MiB")
    assert out[2]["cause"] == "connection_refused"


def test_library_scan_never_forks_unless_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`infraprobe.logs.scan()` inside a threaded host must not fork: one worker unless the caller asks."""
    asked: list[int | None] = []
    real = parallel.worker_count
    monkeypatch.setattr(parallel, "worker_count", lambda n: asked.append(n) or real(n))
    log = tmp_path / "a.log"
    log.write_text("2026-01-01 10:00:00 ERROR connection refused\n")
    scan([log])
    assert asked == [1]
