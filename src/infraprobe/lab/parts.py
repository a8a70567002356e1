"""The lab's parts, each started in its host: resolver, PostgreSQL, Redis, the worker, the backend.

PostgreSQL and Redis are the test suite's own launchers, started from a thread inside the host's
namespace so the servers are born there. The backend is the reference app (`infraprobe.lab.backend`) run by
uvicorn inside the app's namespace, where `ip netns exec` gives it the lab's resolver.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import psycopg

from infraprobe.lab.netns import NsThread, exec_argv, listener
from infraprobe.lab.scenario import Sizing
from infraprobe.lab.site import Host
from infraprobe.testing.dnsstub import DnsStub
from infraprobe.testing.postgres import PostgresServer
from infraprobe.testing.redis import RedisServer

BACKEND_MODULE = "infraprobe.lab.backend"  # in the package: the lab runs from a wheel as from a checkout


class Resolver(DnsStub):
    """The connector's DNS server on port 53 of its host, answering from a table (SERVFAIL for the names
    it cannot forward, which clients report as error -3, "Temporary failure in name resolution")."""

    def __init__(
        self, sock: socket.socket, answers: Mapping[str, list[str]], servfail: Iterable[str]
    ) -> None:
        super().__init__(answers, servfail=servfail)
        self._sock = sock

    async def __aenter__(self) -> Resolver:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: self, sock=self._sock)
        self._transport = transport
        self.port = self._sock.getsockname()[1]
        return self


def resolver_socket(thread: NsThread, host: Host) -> socket.socket:
    return listener(thread, host.address, 53, socket.SOCK_DGRAM)


def postgres(host: Host, size: Sizing, password: str) -> PostgresServer:
    return PostgresServer(
        user="app",
        password=password,
        database="app",
        max_connections=size.db_max_connections,
        superuser_reserved_connections=size.db_reserved,
        hba=("local all all scram-sha-256", "host all all 0.0.0.0/0 scram-sha-256"),
        settings={"listen_addresses": f"'{host.address}'"},
        port=5432 if host.ns else 0,
    )


def redis(host: Host, password: str) -> RedisServer:
    # The launcher's own readiness check connects to 127.0.0.1, so that stays bound too.
    binds = ("127.0.0.1", host.address) if host.address != "127.0.0.1" else ("127.0.0.1",)
    return RedisServer(password=password, port=6379 if host.ns else 0, args=("--bind", *binds))


@dataclass
class Worker:
    """A second service that keeps its whole pool open to the database, through the connector.

    It opens connections one by one and stops at the first that fails (a full connector or a full
    database): what it holds is what the backend and the probes then compete with."""

    thread: NsThread
    conninfo: str
    password: str
    size: int
    held: list[psycopg.Connection] = field(default_factory=list)
    error: str = ""
    closed: bool = False  # set by close(), which may come (Ctrl-C) while fill() still runs in its thread

    def fill(self) -> int:
        for _ in range(self.size):
            try:
                conn = self.thread.call(self._connect)
            except psycopg.OperationalError as exc:
                self.error = str(exc).strip().splitlines()[0]
                break
            self.held.append(conn)
            if self.closed:
                self.close()
                break
        return len(self.held)

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(self.conninfo, password=self.password, connect_timeout=2, autocommit=True)

    def close(self) -> None:
        self.closed = True
        for conn in self.held:
            conn.close()
        self.held.clear()


@dataclass
class Backend:
    """The reference backend as a process of its own; its output is its log file."""

    ns: str | None
    env: Mapping[str, str]
    log_path: Path
    proc: asyncio.subprocess.Process | None = None
    _log: IO[bytes] | None = None

    async def start(self) -> Backend:
        self._log = self.log_path.open("ab")
        argv = exec_argv(self.ns, [*_deathsig(), sys.executable, "-m", BACKEND_MODULE])
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        self.proc = await asyncio.create_subprocess_exec(
            *argv,
            env=env,
            stdout=self._log,
            stderr=asyncio.subprocess.STDOUT,
            stdin=asyncio.subprocess.DEVNULL,
        )
        return self

    async def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            await _terminate(proc, grace=5)
        if self._log is not None:
            self._log.close()
            self._log = None


@dataclass
class Background:
    """An infraprobe command that runs until stopped (the monitor): SIGTERM, then its exit code."""

    ns: str | None
    args: list[str]
    env: Mapping[str, str]
    out: Path
    code: int | None = None
    _proc: asyncio.subprocess.Process | None = None
    _out: IO[bytes] | None = None

    async def start(self) -> None:
        self._out = self.out.open("ab")
        argv = exec_argv(self.ns, [*_deathsig(), sys.executable, "-m", "infraprobe", *self.args])
        self._proc = await asyncio.create_subprocess_exec(
            *argv,
            env={**os.environ, **self.env},
            stdout=self._out,
            stderr=asyncio.subprocess.STDOUT,
            stdin=asyncio.subprocess.DEVNULL,
        )

    async def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            self.code = await _terminate(proc, grace=15)
        if self._out is not None:
            self._out.close()
            self._out = None


async def _terminate(proc: asyncio.subprocess.Process, grace: float) -> int:
    """SIGTERM, `grace` seconds to finish (the monitor flushes its history), then SIGKILL."""
    if proc.returncode is None:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), grace)
        except TimeoutError:
            proc.kill()
            await proc.wait()
    return proc.returncode if proc.returncode is not None else -1


def backend_env(
    size: Sizing, *, host: str, port: int, db: str, cache: str, secrets: tuple[str, str]
) -> dict[str, str]:
    """The backend's settings (BACKEND_*): the same numbers the config declares."""
    return {
        "BACKEND_HOST": host,
        "BACKEND_PORT": str(port),
        "BACKEND_PG_DSN": f"postgresql://app@{db}/app",
        "BACKEND_PG_PASSWORD": secrets[0],
        "BACKEND_REDIS_URL": f"redis://{cache}/0",
        "BACKEND_REDIS_PASSWORD": secrets[1],
        "BACKEND_DB_WAIT": f"{size.db_wait:g}",
        "BACKEND_REDIS_WAIT": f"{size.redis_wait:g}",
        "BACKEND_POOL_MIN": str(size.backend_pool_min),
        "BACKEND_POOL_MAX": str(size.backend_pool_max),
        "BACKEND_CHECK_INTERVAL": "1",
        "BACKEND_CHECK_TIMEOUT": "1.5",
    }


def _deathsig() -> list[str]:
    # The kernel stops the backend if the lab dies without cleaning up (SIGKILL included).
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", "--"] if setpriv else []
