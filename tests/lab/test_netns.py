"""Namespaces a lab leaves when killed with SIGKILL are swept by the next one, with what runs inside."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from infraprobe.lab.netns import ETC_NETNS, lab_namespaces, sweep_stale, why_unavailable

NO_NETNS = why_unavailable()
pytestmark = pytest.mark.skipif(
    NO_NETNS is not None, reason=f"network namespaces not allowed here: {NO_NETNS}"
)


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid  # gone now; pids are not reused this fast


def test_a_dead_labs_namespace_and_its_processes_are_swept() -> None:
    ns = f"iplab-{_dead_pid()}-app"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    (ETC_NETNS / ns).mkdir(parents=True, exist_ok=True)
    sleeper = subprocess.Popen(["ip", "netns", "exec", ns, "sleep", "60"])
    try:
        time.sleep(0.2)
        assert ns in sweep_stale()
        assert sleeper.wait(timeout=5) != 0  # stopped, not finished
        assert ns not in lab_namespaces()
        assert not (ETC_NETNS / ns).exists()
    finally:
        sleeper.kill()
        subprocess.run(["ip", "netns", "delete", ns], check=False, capture_output=True)


def test_a_live_labs_namespace_is_left_alone() -> None:
    ns = f"iplab-{os.getpid()}-sweeptest"  # this process is alive; the name is unique to it
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        assert ns not in sweep_stale()
        assert ns in lab_namespaces()
    finally:
        subprocess.run(["ip", "netns", "delete", ns], check=False, capture_output=True)
