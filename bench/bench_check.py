"""How long does `infraprobe check` take? 50 healthy components; 10 black-holed ones.

Claims under test (docs/benchmarks.md): a healthy config of 50 components finishes in well under a second on
loopback; one with ten black-holed components finishes in about one timeout (checks run concurrently, each
under its own deadline). Loopback only; every loop is bounded.

    .venv/bin/python bench/bench_check.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from infraprobe.configfile import parse_config
from infraprobe.runner import check_config
from infraprobe.testing.netfaults import FullBacklogListener

BLACKHOLE_TIMEOUT = 1.0


def healthy_config(port: int, count: int = 50) -> str:
    items = "\n".join(f"  - {{name: svc{i}, kind: tcp, host: 127.0.0.1, port: {port}}}" for i in range(count))
    return f"environment: bench\ncomponents:\n{items}\n"


def blackholed_config(port: int, count: int = 10) -> str:
    items = "\n".join(
        f"  - {{name: hole{i}, kind: tcp, host: 127.0.0.1, port: {port}, timeout: {BLACKHOLE_TIMEOUT}}}"
        for i in range(count)
    )
    return f"environment: bench\ncomponents:\n{items}\n"


def library_time(text: str) -> float:
    config = parse_config(text).config
    start = time.perf_counter()
    report = asyncio.run(check_config(config))
    elapsed = time.perf_counter() - start
    assert len(report.results) == len(config.components)
    return elapsed


def cli_time(text: str) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(text)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "infraprobe", "check", f.name, "-f", "json"], capture_output=True, check=False
    )
    elapsed = time.perf_counter() - start
    Path(f.name).unlink()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    port = listener.getsockname()[1]
    rows = []
    with FullBacklogListener() as hole:
        for label, text in (
            ("50 healthy", healthy_config(port)),
            ("10 black-holed", blackholed_config(hole.port)),
        ):
            lib = [library_time(text) for _ in range(args.repeat)]
            cli = [cli_time(text) for _ in range(args.repeat)]
            rows.append((label, statistics.median(lib), statistics.median(cli)))
    listener.close()
    print(f"{'config':<16} {'library (s)':>12} {'CLI incl. start-up (s)':>24}")
    for label, lib, cli in rows:
        print(f"{label:<16} {lib:>12.3f} {cli:>24.3f}")
    print(f"(black-holed timeout: {BLACKHOLE_TIMEOUT}s; median of {args.repeat})")


if __name__ == "__main__":
    main()
