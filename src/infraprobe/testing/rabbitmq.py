"""Throwaway RabbitMQ nodes on a free loopback port, for tests and demos.

    with RabbitMQServer() as mq:
        print(mq.url())            # amqp://probe:probe-password@127.0.0.1:PORT/probe
        mq.ctl("set_vhost_limits", "-p", mq.vhost, '{"max-connections": 1}')

A node takes a few seconds to boot (Erlang VM, Mnesia), so start one per test session and change limits
with `ctl(...)` rather than starting variants. It is a node of its own beside any RabbitMQ the machine runs:
its own name, AMQP and distribution ports, Mnesia, logs, config file and Erlang cookie (HOME) under a temp
dir, and its own epmd on a free port (ERL_EPMD_PORT), because a node started without one would leave a
daemonised epmd running after the tests. The account, password and vhost are created at first boot from
the config file (`default_user`, `default_vhost`), so no `rabbitmqctl` round trip (about 0.7 s each) is
needed to set up.

The node runs as whoever runs the tests (root on CI): the Erlang VM does not mind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Self
from urllib.parse import quote

from infraprobe.testing._localserver import (
    LOOPBACK,
    LocalServer,
    ServerStartError,
    ServerUnavailable,
    free_port,
    log_tail,
    port_open,
    track,
    wait_until,
)

__all__ = ["RabbitMQServer", "ServerStartError", "ServerUnavailable"]

# Debian keeps the real scripts here; /usr/sbin/rabbitmq-server is a wrapper that switches to the system
# node's account and its files.
SCRIPT_DIRS = ("/usr/lib/rabbitmq/bin",)
BOOT_TIMEOUT = 90.0
CTL_TIMEOUT = 60.0


def _script(name: str) -> str:
    for directory in SCRIPT_DIRS:
        candidate = Path(directory) / name
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise ServerUnavailable(f"{name} not found (Debian package rabbitmq-server)")
    return found


def _guard() -> list[str]:
    # setpriv (util-linux) makes the kernel signal the process when this one dies, even by SIGKILL when no
    # atexit handler runs; the rabbitmq-server script traps TERM and stops its Erlang VM.
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", "--"] if setpriv and sys.platform == "linux" else []


@dataclass
class RabbitMQServer(LocalServer):
    """A RabbitMQ node of its own: `start()`, `stop()` (files kept), `close()` (stop + delete)."""

    user: str = "probe"
    password: str = "probe-password"
    vhost: str = "probe"
    config: Sequence[str] = ()  # more rabbitmq.conf lines, e.g. ("connection_max = 5",)
    port: int = 0  # 0: a free port is picked at start

    root: Path = field(init=False, default=Path())
    node: str = field(init=False, default="")
    _dist_port: int = field(init=False, default=0)
    _epmd_port: int = field(init=False, default=0)
    _epmd: subprocess.Popen[bytes] | None = field(init=False, default=None)
    _proc: subprocess.Popen[bytes] | None = field(init=False, default=None)
    _log: IO[bytes] | None = field(init=False, default=None)

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> Self:
        """Start and wait until the AMQP listener accepts; on failure, clean up and raise."""
        if self._proc is not None:
            return self
        server = _script("rabbitmq-server")
        try:
            if self.root == Path():
                self.root = Path(tempfile.mkdtemp(prefix="infraprobe-rabbitmq-"))
                self._pick_ports()
            self._start_epmd()
            self._start_node(server)
            track(self)
        except BaseException:
            self.close()  # a failed start must not leave a node, an epmd or a temp dir behind
            raise
        return self

    def stop(self) -> None:
        """Stop the node (`rabbitmqctl stop`, a kill if that fails) and its epmd; keep the files."""
        proc, self._proc = self._proc, None
        if proc is not None:
            self._stop_node(proc)
        epmd, self._epmd = self._epmd, None
        if epmd is not None:
            epmd.kill()
            epmd.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    # -- where to connect --------------------------------------------------------------------------

    def url(self, *, user: str | None = None, password: str | None = None, vhost: str | None = None) -> str:
        """An AMQP URL for the created account and vhost (or the given ones)."""
        who = quote(user or self.user, safe="")
        secret = quote(self.password if password is None else password, safe="")
        return f"amqp://{who}:{secret}@{LOOPBACK}:{self.port}/{quote(vhost or self.vhost, safe='')}"

    # -- talking to it -----------------------------------------------------------------------------

    def ctl(self, *args: str) -> str:
        """Run one `rabbitmqctl` command against this node; raise ServerStartError when it fails."""
        argv = [_script("rabbitmqctl"), "-n", self.node, "-q", *args]
        try:
            done = subprocess.run(argv, env=self._env(), capture_output=True, text=True, timeout=CTL_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            raise ServerStartError(f"rabbitmqctl {args[0]} timed out") from exc
        if done.returncode != 0:
            raise ServerStartError(f"rabbitmqctl {args[0]} failed: {log_tail(done.stderr + done.stdout)}")
        return done.stdout

    # -- internals ---------------------------------------------------------------------------------

    def _pick_ports(self) -> None:
        self.port = self.port or free_port()
        self._dist_port, self._epmd_port = free_port(), free_port()
        self.node = f"ipt-{os.getpid()}-{self.port}@localhost"

    def _env(self) -> dict[str, str]:
        base = self.root
        return {
            **os.environ,
            "HOME": str(base),  # the Erlang cookie the node and rabbitmqctl share
            "ERL_EPMD_PORT": str(self._epmd_port),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": LOOPBACK,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self._dist_port),
            "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(base / "log"),
            "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(base / "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(base / "node.pid"),
        }

    def _write_config(self) -> None:
        lines = [
            f"listeners.tcp.1 = {LOOPBACK}:{self.port}",
            f"default_user = {self.user}",
            f"default_pass = {self.password}",
            f"default_vhost = {self.vhost}",
            "log.console = false",
            "log.file.level = warning",
            *self.config,
        ]
        (self.root / "rabbitmq.conf").write_text("\n".join(lines) + "\n")
        (self.root / "enabled_plugins").write_text("[].\n")

    def _start_epmd(self) -> None:
        epmd = shutil.which("epmd") or _script("epmd")
        argv = [*_guard(), epmd, "-address", LOOPBACK, "-port", str(self._epmd_port)]
        self._epmd = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_until(lambda: port_open(self._epmd_port), timeout=10, interval=0.02):
            raise ServerStartError(f"epmd did not listen on port {self._epmd_port}")

    def _start_node(self, server: str) -> None:
        self._write_config()
        self._log = self.log_file.open("ab")
        self._proc = subprocess.Popen(
            [*_guard(), server],
            env=self._env(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        proc = self._proc
        ready = wait_until(lambda: proc.poll() is not None or port_open(self.port), BOOT_TIMEOUT, 0.1)
        if not ready or proc.poll() is not None:
            raise ServerStartError(f"rabbitmq-server did not start:\n{log_tail(self._log_text())}")
        # The listener opens a moment before the broker counts as booted (rabbitmqctl would refuse).
        self.ctl("await_startup", "--timeout", str(int(BOOT_TIMEOUT)))

    def _stop_node(self, proc: subprocess.Popen[bytes]) -> None:
        try:
            self.ctl("stop")
            proc.wait(timeout=30)
        except (ServerStartError, subprocess.TimeoutExpired):
            proc.terminate()  # the script's TERM trap stops the VM
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def _log_text(self) -> str:
        node_log = self.root / "log" / f"{self.node}.log"
        texts = [p.read_text(errors="replace") for p in (self.log_file, node_log) if p.exists()]
        return "\n".join(texts)
