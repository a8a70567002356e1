"""What the throwaway-server helpers share: free loopback ports, waiting for a listener, cleanup at exit."""

from __future__ import annotations

import atexit
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, Self

LOOPBACK = "127.0.0.1"


class ServerUnavailable(RuntimeError):
    """The server software is not installed here; tests should skip rather than fail."""


class ServerStartError(RuntimeError):
    """The server was found but did not start; the message carries the tail of its log."""


class _Closable(Protocol):
    def close(self) -> None: ...


_live: dict[int, _Closable] = {}


def track(server: _Closable) -> None:
    """Remember a started server so an interrupted test run still stops it at interpreter exit."""
    _live[id(server)] = server


def untrack(server: _Closable) -> None:
    _live.pop(id(server), None)


@atexit.register
def _close_all() -> None:
    for server in list(_live.values()):
        server.close()


class LocalServer:
    """The lifecycle both throwaway servers share: a temp `root`, `stop()` keeps it, `close()` removes it.

    Subclasses are dataclasses that define `root`, `start()` and `stop()`."""

    root: Path

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Stop and delete every file."""
        self.stop()
        untrack(self)
        if self.root != Path():
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = Path()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def host(self) -> str:
        return LOOPBACK

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"


def end_process(proc: subprocess.Popen[bytes] | None, timeout: float) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout`: a launcher never leaves a child behind."""
    if proc is None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def free_port() -> int:
    """A port nothing listens on right now. Another process may take it before the server binds, so
    callers retry their start when the bind fails (parallel test workers do race for ports)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def port_open(port: int, host: str = LOOPBACK) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_until(ready: Callable[[], bool], timeout: float, interval: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return True
        time.sleep(interval)
    return ready()


def log_tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.splitlines()[-lines:])
