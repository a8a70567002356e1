"""Network namespaces for the lab's test hosts: create them, join them with veth pairs, remove them all.

Every name carries the lab's process id (`iplab-<pid>-<role>`), so two labs on one machine never meet, and
a lab killed with SIGKILL is recognised by the next one (its pid is gone) and swept. Addresses live only
inside these namespaces: nothing is added to the machine's own namespace, so nothing is routed anywhere.

Sockets keep the namespace they were created in. `NsThread` is a thread that has joined a namespace
(setns); a socket it creates is served from the lab's event loop in the main namespace, and a process it
forks starts in that namespace (how the PostgreSQL and Redis launchers run there unchanged).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

PREFIX = "iplab-"
NETNS_DIR = Path("/run/netns")
ETC_NETNS = Path("/etc/netns")  # `ip netns exec` bind-mounts /etc/netns/NAME/* over /etc (resolv.conf)
CLONE_NEWNET = 0x40000000
_OWNER = re.compile(rf"^{PREFIX}(\d+)-")


class NetnsUnavailable(RuntimeError):
    """Namespaces cannot be made here (not root, no iproute2 or nftables); the lab runs on loopback."""


def why_unavailable() -> str | None:
    """None when the lab can build namespaces; else what is missing, in words a user can act on."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    missing = [tool for tool in ("ip", "nft") if shutil.which(tool) is None]
    if missing:
        return f"{' and '.join(missing)} not found (Debian: apt-get install iproute2 nftables)"
    return None


def run(argv: Sequence[str], *, stdin: str | None = None, check: bool = True) -> str:
    """Run one plumbing command (ip, nft, sysctl); a failure raises with the command's own message."""
    done = subprocess.run(list(argv), input=stdin, capture_output=True, text=True, timeout=20, check=False)
    if check and done.returncode != 0:
        raise NetnsUnavailable(f"{' '.join(argv)}: {(done.stderr or done.stdout).strip()}")
    return done.stdout


def lab_namespaces() -> list[str]:
    """Every lab namespace on the machine, this lab's or another's."""
    if not NETNS_DIR.is_dir():
        return []
    return sorted(p.name for p in NETNS_DIR.iterdir() if p.name.startswith(PREFIX))


def sweep_stale() -> list[str]:
    """Remove namespaces (and their /etc/netns files) left by labs whose process is gone, after stopping
    what still runs inside them (a PostgreSQL that pg_ctl daemonised outlives a lab killed with SIGKILL)."""
    stale = [ns for ns in lab_namespaces() if (m := _OWNER.match(ns)) and not Path(f"/proc/{m[1]}").exists()]
    for ns in stale:
        _stop_inside(ns)
        remove(ns)
    return stale


def _stop_inside(ns: str) -> None:
    for pid in run(["ip", "netns", "pids", ns], check=False).split():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), signal.SIGKILL)


def remove(ns: str) -> None:
    run(["ip", "netns", "delete", ns], check=False)
    shutil.rmtree(ETC_NETNS / ns, ignore_errors=True)


class Namespaces:
    """The namespaces of one lab: `add` them, `link` them, and `close` removes every one."""

    def __init__(self) -> None:
        self.tag = f"{PREFIX}{os.getpid()}"
        self.names: list[str] = []
        self._threads: list[NsThread] = []

    def add(self, role: str) -> str:
        name = f"{self.tag}-{role}"
        run(["ip", "netns", "add", name])
        self.names.append(name)
        run(["ip", "-n", name, "link", "set", "lo", "up"])
        return name

    def link(self, a: str, a_addr: str, b: str, b_addr: str, prefix: int) -> None:
        """A veth pair between namespaces a and b (made inside them: the main namespace never sees it)."""
        a_if, b_if = _ifname(b), _ifname(a)
        run(["ip", "link", "add", a_if, "netns", a, "type", "veth", "peer", "name", b_if, "netns", b])
        for ns, ifname, addr in ((a, a_if, a_addr), (b, b_if, b_addr)):
            run(["ip", "-n", ns, "addr", "add", f"{addr}/{prefix}", "dev", ifname])
            run(["ip", "-n", ns, "link", "set", ifname, "up"])

    def address(self, ns: str, addr: str) -> None:
        """A service address of its own on the namespace's loopback device."""
        run(["ip", "-n", ns, "addr", "add", f"{addr}/32", "dev", "lo"])

    def route(self, ns: str, dest: str, via: str) -> None:
        run(["ip", "-n", ns, "route", "add", dest, "via", via])

    def sysctl(self, ns: str, setting: str) -> None:
        run(["ip", "netns", "exec", ns, "sysctl", "-qw", setting])

    def nft(self, ns: str, ruleset: str) -> None:
        run(["ip", "netns", "exec", ns, "nft", "-f", "-"], stdin=ruleset)

    def resolv_conf(self, ns: str, nameserver: str) -> None:
        """The resolver processes started with `exec_argv(ns, ...)` use (timeout 1 s, one attempt)."""
        directory = ETC_NETNS / ns
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "resolv.conf").write_text(f"nameserver {nameserver}\noptions timeout:1 attempts:1\n")

    def thread(self, ns: str) -> NsThread:
        worker = NsThread(ns)
        self._threads.append(worker)
        return worker

    def close(self) -> None:
        """Stop the namespace threads and remove every namespace (their nft tables and veths go too)."""
        for worker in self._threads:
            worker.close()
        for ns in reversed(self.names):
            remove(ns)
        self.names.clear()


def exec_argv(ns: str | None, argv: Sequence[str]) -> list[str]:
    """`argv` run inside namespace `ns` (with its resolv.conf), or as is on loopback (`ns` None)."""
    return ["ip", "netns", "exec", ns, *argv] if ns else list(argv)


def _ifname(peer_ns: str) -> str:
    # Interface names are at most 15 bytes and only need to be unique inside one namespace.
    return "to-" + peer_ns.rsplit("-", 1)[-1][:12]


class NsThread:
    """A thread that lives inside a namespace: `call(fn)` runs fn there and returns its result.

    It stays alive as long as the lab: a child started with a parent-death signal (redis-server under
    setpriv) is signalled when the *thread* that forked it ends, not the process.
    """

    def __init__(self, ns: str | None) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix=f"ns-{ns}")
        if ns is not None:
            self._pool.submit(_enter, ns).result()

    def call(self, fn: Callable[[], T]) -> T:
        return self._pool.submit(fn).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _enter(ns: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(NETNS_DIR / ns, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"setns({ns}): {os.strerror(errno)}")
    finally:
        os.close(fd)


async def open_connection(
    thread: NsThread, host: str, port: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP connection from `thread`'s namespace, served by the running event loop."""
    sock = thread.call(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM))
    sock.setblocking(False)
    try:
        await asyncio.get_running_loop().sock_connect(sock, (host, port))
        return await asyncio.open_connection(sock=sock)
    except BaseException:
        sock.close()
        raise


def listener(thread: NsThread, host: str, port: int, kind: int = socket.SOCK_STREAM) -> socket.socket:
    """A bound socket (listening, for TCP) in `thread`'s namespace."""

    def make() -> socket.socket:
        sock = socket.socket(socket.AF_INET, kind)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        if kind == socket.SOCK_STREAM:
            sock.listen(128)
        sock.setblocking(False)
        return sock

    return thread.call(make)
