"""The prober's own limits are never reported as the targets' failures.

Each case runs `infraprobe check` in a child process with a low RLIMIT_NOFILE, against a listener in this
process (whose own descriptors are not limited), so every target is healthy by construction.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from infraprobe.runner import RESERVED_FDS, default_in_flight

COMPONENTS = 600  # the issue saw 2,000 under 256; the same ratio, a third of the time


@pytest.fixture
async def listener() -> AsyncIterator[int]:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, backlog=1024)
    async with server:
        yield server.sockets[0].getsockname()[1]


def _limit_fds() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (128, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))


async def _check(config: Path, *extra: str) -> tuple[int, dict[str, object]]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "infraprobe", "check", str(config), "--format", "json", *extra,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, preexec_fn=_limit_fds,
        env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 240)
    assert proc.returncode is not None
    return proc.returncode, json.loads(out)


def _config(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "many.yaml"
    lines = [
        f"  - {{name: c{i}, kind: tcp, host: 127.0.0.1, port: {port}, timeout: 30}}"
        for i in range(COMPONENTS)
    ]
    path.write_text("components:\n" + "\n".join(lines) + "\n")
    return path


async def test_600_healthy_checks_under_ulimit_128_all_pass(tmp_path: Path, listener: int) -> None:
    """The cap from RLIMIT_NOFILE queues the rest: all pass (2,000 under 256: 1,752 used to fail, errno 24)."""
    code, report = await _check(_config(tmp_path, listener))
    counts = report["counts"]
    assert counts == {"ok": COMPONENTS, "warn": 0, "fail": 0}, counts
    assert code == 0


async def test_exhaustion_is_never_blamed_on_the_target(tmp_path: Path, listener: int) -> None:
    """With the cap lifted past the limit, the checks that hit EMFILE say so as the prober's, never as a
    target failure (no connection cause, no tcp component)."""
    code, report = await _check(_config(tmp_path, listener), "--max-in-flight", "5000")
    failed = [r for r in report["results"] if r["status"] == "fail"]  # type: ignore[union-attr]
    assert failed, "the limit was really hit"
    for result in failed:
        diagnosis = result["diagnosis"]
        assert diagnosis["rule"] == "prober_resources", diagnosis
        assert diagnosis["component"] == "other" and diagnosis["layer"] == "unknown"
    assert code == 1


def test_default_cap_follows_the_soft_limit() -> None:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    expected = 1000 if soft == resource.RLIM_INFINITY else max(1, (soft - RESERVED_FDS) // 2)
    assert default_in_flight() == expected
