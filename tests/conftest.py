"""What every test area shares: run the real `infraprobe` command, and start a real server or skip.

Import them (`from tests.conftest import run_cli, started`); area conftests keep only their own fixtures.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Protocol, Self, TypeVar

import pytest

from infraprobe.testing._localserver import ServerUnavailable


def run_cli(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`infraprobe ARGS...` in a subprocess, as a user runs it (no colour, so output compares as text)."""
    return subprocess.run(
        [sys.executable, "-m", "infraprobe", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        timeout=timeout,
        check=False,
    )


class _Startable(Protocol):
    def start(self) -> Self: ...


S = TypeVar("S", bound=_Startable)


def started(server: S) -> S:
    """Start a throwaway server, or skip the test when its software is not installed here."""
    try:
        return server.start()
    except ServerUnavailable as exc:
        pytest.skip(str(exc))
