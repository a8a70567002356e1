"""Memory does not grow with the size of the log: 1 GB scans in about the RSS of 64 MB."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"

# What both child scripts start with: a 4 MiB generated block (realistic noise, 0.1% failures), and a
# peak-memory reading that belongs to the child alone.
PREAMBLE = """
import io, resource, sys
sys.path.insert(0, sys.argv[2])
from gen_logs import generate
from infraprobe.logs import scan

def vm_hwm_kib():
    # Not ru_maxrss: Linux carries the parent's peak across fork+exec, so a child started by a large
    # pytest process would report pytest's memory. VmHWM belongs to this process image alone.
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

block = io.BytesIO()
generate(block, 4 << 20, 0.001, seed=7)
data = block.getvalue()
data = data[: data.rfind(b"\\n") + 1]
"""

# Runs in a fresh interpreter, so the peak is this scan's alone. The data is one generated 4 MiB
# block (realistic noise, 0.1% failures) repeated, streamed from memory: no disk, quick to make.
CHILD = (
    PREAMBLE
    + """
total = int(sys.argv[1]) << 20

class Repeat(io.RawIOBase):
    def __init__(self):
        self.left = total
    def readable(self):
        return True
    def readinto(self, buf):
        n = min(len(buf), len(data), self.left)
        buf[:n] = data[:n]
        self.left -= n
        return n

summary = scan(io.BufferedReader(Repeat(), 1 << 20))
assert summary.bytes >= total - len(data), summary.bytes
assert summary.events > 0
print(vm_hwm_kib() // 1024, summary.events)
"""
)


# The same data in a regular file, split over 2 processes: the peak is the parent's plus the worker's
# (ru_maxrss of RUSAGE_CHILDREN is the largest waited-for child), an upper bound for the process tree.
CHILD_FILE = (
    PREAMBLE
    + """
with open(sys.argv[3], "wb") as out:
    for _ in range((int(sys.argv[1]) << 20) // len(data) + 1):
        out.write(data)
del block, data
summary = scan(sys.argv[3], workers=2)
assert summary.events > 0
peak = vm_hwm_kib() + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(peak // 1024, summary.events)
"""
)


def _peak_mb(megabytes: int, script: str = CHILD, *extra: str) -> tuple[int, int]:
    done = subprocess.run(
        [sys.executable, "-c", script, str(megabytes), str(BENCH), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    peak, events = done.stdout.split()
    return int(peak), int(events)


@pytest.mark.slow
def test_one_gigabyte_scans_in_bounded_memory() -> None:
    """Peak RSS for 1 GiB is within 16 MiB of the peak for 64 MiB (and under 200 MiB in all)."""
    small_peak, small_events = _peak_mb(64)
    big_peak, big_events = _peak_mb(1024)
    assert big_events > 10 * small_events
    assert big_peak - small_peak < 16, (small_peak, big_peak)
    assert big_peak < 200, big_peak


@pytest.mark.slow
def test_one_gigabyte_file_over_two_processes_in_bounded_memory(tmp_path: Path) -> None:
    """Split over a worker, the tree's peak RSS for 1 GiB is within 16 MiB of that for 64 MiB."""
    log = str(tmp_path / "big.log")
    small_peak, small_events = _peak_mb(64, CHILD_FILE, log)
    big_peak, big_events = _peak_mb(1024, CHILD_FILE, log)
    assert big_events > 10 * small_events
    assert big_peak - small_peak < 16, (small_peak, big_peak)
    assert big_peak < 400, big_peak
