"""Throwaway MariaDB (or MySQL) servers on a free loopback port, for tests and demos.

    with MariaDBServer(max_connections=5) as db:
        print(db.url())            # mysql://probe:probe-password@127.0.0.1:PORT/probe
        db.sql("SET GLOBAL read_only = 1")

`mariadb-install-db` makes the data directory (about 3 s, once per server: start one per test session and
change settings with `SET GLOBAL` rather than starting variants); the server itself starts in under a second.
Settings favour speed over durability (no binary log, tiny InnoDB files, no flush per commit) and keep it to
itself: `--no-defaults` so the machine's my.cnf is never read, loopback only, and `--skip-name-resolve` so a
client's address is never looked up in DNS. Administration goes through the unix socket as the server's
root account, which the accounts a test creates never affect.

As root (as on CI) the server runs as root with `--user=root`: unlike PostgreSQL, MariaDB allows it.
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
from typing import IO, Any, Self
from urllib.parse import quote

import pymysql

from infraprobe.testing._localserver import (
    LOOPBACK,
    LocalServer,
    ServerStartError,
    ServerUnavailable,
    end_process,
    free_port,
    log_tail,
    track,
    wait_until,
)

__all__ = ["MariaDBServer", "ServerStartError", "ServerUnavailable"]

# Small InnoDB files: a throwaway server needs no 100 MB of redo log.
FAST_OPTIONS = (
    "--skip-log-bin",
    "--skip-name-resolve",
    "--performance-schema=OFF",
    "--innodb-buffer-pool-size=8M",
    "--innodb-log-file-size=4M",
    "--innodb-data-file-path=ibdata1:4M:autoextend",
    "--innodb-flush-log-at-trx-commit=0",
)


def _binary(*names: str) -> str:
    for name in names:
        found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
        if found:
            return found
    raise ServerUnavailable(f"none of {', '.join(names)} found (Debian package mariadb-server)")


def _as_root_options() -> list[str]:
    # mariadbd refuses to run as root unless told to; any other account runs it as itself.
    return ["--user=root"] if os.geteuid() == 0 else []


@dataclass
class MariaDBServer(LocalServer):
    """A MariaDB server of its own: `start()`, `stop()` (files kept), `close()` (stop + delete)."""

    user: str = "probe"
    password: str = "probe-password"
    database: str = "probe"
    max_connections: int = 20
    args: Sequence[str] = ()  # any other mariadbd options, e.g. ("--read-only",)
    port: int = 0  # 0: a free port is picked at start

    root: Path = field(init=False, default=Path())
    _proc: subprocess.Popen[bytes] | None = field(init=False, default=None)
    _log: IO[bytes] | None = field(init=False, default=None)

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> Self:
        """Start (creating the data directory on first use); on failure, clean up and raise."""
        if self._proc is not None:
            return self
        server = _binary("mariadbd", "mysqld")
        try:
            if self.root == Path():
                self.root = Path(tempfile.mkdtemp(prefix="infraprobe-mariadb-"))
                self._install()
            self._start_on_free_port(server)
            track(self)
            if not (self.root / "created").exists():
                self._create_account_and_db()
        except BaseException:
            self.close()  # a failed start must not leave a server or a temp dir behind
            raise
        return self

    def stop(self) -> None:
        """Stop the server and keep its files: its port then refuses connections (`start()` again works)."""
        proc, self._proc = self._proc, None
        end_process(proc, timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    # -- where to connect --------------------------------------------------------------------------

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_path(self) -> Path:
        return self.root / "mysqld.sock"

    def url(
        self, *, user: str | None = None, password: str | None = None, database: str | None = None
    ) -> str:
        """A TCP URL for the created account (or the given one)."""
        who = quote(user or self.user, safe="")
        secret = quote(self.password if password is None else password, safe="")
        return f"mysql://{who}:{secret}@{LOOPBACK}:{self.port}/{quote(database or self.database)}"

    # -- talking to it -----------------------------------------------------------------------------

    def connect(
        self, *, user: str | None = None, password: str | None = None, **kw: Any
    ) -> pymysql.Connection:
        """A client connection over TCP, e.g. to hold one of `max_connections`; the caller closes it."""
        secret = self.password if password is None else password
        return pymysql.connect(
            host=LOOPBACK,
            port=self.port,
            user=user or self.user,
            password=secret,
            database=self.database,
            **kw,
        )

    def connect_admin(self) -> pymysql.Connection:
        """The server's root account over the unix socket."""
        return pymysql.connect(unix_socket=str(self.socket_path), user="root", autocommit=True)

    def sql(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement as root and return its rows (empty for commands)."""
        with self.connect_admin() as conn, conn.cursor() as cur:
            cur.execute(statement, tuple(params) or None)
            return list(cur.fetchall()) if cur.description else []

    # -- internals ---------------------------------------------------------------------------------

    def _install(self) -> None:
        install = _binary("mariadb-install-db", "mysql_install_db")
        argv = [install, "--no-defaults", f"--datadir={self.data}", "--skip-test-db"]
        # root over the socket by password-less login; the accounts tests use get real passwords.
        argv += ["--auth-root-authentication-method=normal", *_as_root_options(), *FAST_OPTIONS]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ServerStartError(f"mariadb-install-db failed: {log_tail(done.stderr + done.stdout)}")

    def _argv(self, server: str) -> list[str]:
        # setpriv (util-linux) makes the kernel stop the server when this process dies, even by SIGKILL
        # when no atexit handler runs; it execs in place, so the Popen pid is still the server's.
        setpriv = shutil.which("setpriv")
        guard = [setpriv, "--pdeathsig", "TERM", "--"] if setpriv and sys.platform == "linux" else []
        argv = [*guard, server, "--no-defaults", f"--datadir={self.data}", f"--socket={self.socket_path}"]
        argv += [f"--port={self.port}", f"--bind-address={LOOPBACK}", f"--pid-file={self.root / 'pid'}"]
        argv += [f"--max-connections={self.max_connections}", *_as_root_options(), *FAST_OPTIONS]
        return [*argv, *self.args]

    def _start_on_free_port(self, server: str) -> None:
        chosen = self.port
        for _ in range(3):
            self.port = chosen or free_port()
            self._log = self.log_file.open("ab")
            self._proc = subprocess.Popen(self._argv(server), stdout=self._log, stderr=subprocess.STDOUT)
            ready = wait_until(self._ready, timeout=30, interval=0.05)
            if ready and self._proc.poll() is None:
                return
            log = self.log_file.read_text(errors="replace")
            self.stop()
            if chosen or "Address already in use" not in log:
                raise ServerStartError(f"mariadbd did not start:\n{log_tail(log)}")
        raise ServerStartError("no free port after 3 attempts")

    def _ready(self) -> bool:
        assert self._proc is not None
        if self._proc.poll() is not None:
            return True  # it exited: stop waiting; the caller sees the exit and reads the log
        try:
            self.connect_admin().close()
        except pymysql.err.OperationalError:
            return False
        return True

    def _create_account_and_db(self) -> None:
        # Host '%' with --skip-name-resolve: the TCP client from 127.0.0.1 matches without any lookup.
        self.sql("CREATE USER %s@'%%' IDENTIFIED BY %s", (self.user, self.password))
        self.sql(f"CREATE DATABASE `{self.database}`")
        self.sql(f"GRANT ALL ON `{self.database}`.* TO %s@'%%'", (self.user,))
        (self.root / "created").touch()
