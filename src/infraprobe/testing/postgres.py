"""Throwaway PostgreSQL clusters on a free loopback port, for tests and demos.

    with PostgresServer(max_connections=5, password="s3cret") as pg:
        print(pg.dsn())            # postgresql://probe:s3cret@127.0.0.1:PORT/probe

`initdb` runs once per process into a template; each server is a copy of it (about 0.2 s) started with
its own settings (about 0.1 s), so a per-test variant is cheap. Settings favour speed over durability
(fsync off, tiny shared_buffers, no autovacuum): these clusters hold nothing worth keeping.

PostgreSQL refuses to run as root. As root, the files belong to the `postgres` user and every server
command runs through `runuser -u postgres --`.

Why not pytest-postgresql (evaluated with 10.0.0): its `PostgreSQLExecutor` runs `pg_ctl initdb` and
`pg_ctl start` as the current user, so as root (CI here) both fail with "cannot be run as root"; running
them as another OS user was asked for and declined upstream (dbfixtures/pytest-postgresql#341, #455). It
also runs initdb for every cluster (no template copy, which makes a per-test variant cost 0.3 s instead of
seconds), and has no standby (`standby.signal`), pg_hba rules or socket sub-directories, which the probe
tests need. The server settings it does take (`postgres_options`) are the part this module keeps smallest.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self
from urllib.parse import quote

import psycopg
from psycopg import sql

from infraprobe.testing._localserver import (
    LOOPBACK,
    LocalServer,
    ServerStartError,
    ServerUnavailable,
    free_port,
    log_tail,
    track,
)

SUPERUSER = "postgres"
OS_USER = "postgres"  # the account that owns the files and runs the server when we are root

# The first rule is the helper's own: the superuser over the socket, for setup and `sql()`.
ADMIN_HBA = f"local all {SUPERUSER} trust"
DEFAULT_HBA = ("local all all scram-sha-256", f"host all all {LOOPBACK}/32 scram-sha-256")

FAST_SETTINGS: Mapping[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "8MB",
    "autovacuum": "off",
    "listen_addresses": f"'{LOOPBACK}'",
    "log_min_messages": "warning",
    "password_encryption": "'scram-sha-256'",
}

__all__ = ["PostgresServer", "ServerStartError", "ServerUnavailable", "find_bindir"]


def find_bindir() -> Path:
    """Where initdb and pg_ctl live: $INFRAPROBE_PG_BIN, Debian's versioned dirs (newest first), PATH."""
    candidates = [os.environ.get("INFRAPROBE_PG_BIN", "")]
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    candidates += versions
    on_path = shutil.which("initdb")
    candidates.append(str(Path(on_path).resolve().parent) if on_path else "")
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").is_file() and (Path(candidate) / "pg_ctl").is_file():
            return Path(candidate)
    raise ServerUnavailable("PostgreSQL server binaries (initdb, pg_ctl) not found; set INFRAPROBE_PG_BIN")


def _version_key(path: str) -> float:
    try:
        return float(Path(path).parent.name)
    except ValueError:
        return 0.0


def _as_server_user(cmd: Sequence[str]) -> list[str]:
    if os.geteuid() != 0:
        return list(cmd)
    return ["runuser", "-u", OS_USER, "--", *cmd]


def _give_to_server_user(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam(OS_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _run(cmd: Sequence[str], what: str) -> None:
    done = subprocess.run(_as_server_user(cmd), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ServerStartError(f"{what} failed ({done.returncode}): {log_tail(done.stderr + done.stdout)}")


class _Template:
    """One initdb per process; every server starts from a copy of it."""

    _lock = threading.Lock()
    _path: Path | None = None

    @classmethod
    def get(cls, bindir: Path) -> Path:
        with cls._lock:
            if cls._path is None:
                cls._path = cls._create(bindir)
                atexit.register(shutil.rmtree, cls._path.parent, True)
            return cls._path

    @staticmethod
    def _create(bindir: Path) -> Path:
        root = Path(tempfile.mkdtemp(prefix="infraprobe-pgtpl-"))
        _give_to_server_user(root)
        data = root / "data"
        initdb = [str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust"]
        _run([*initdb, "-E", "UTF8", "--locale=C", "--no-sync"], "initdb")
        return data


@dataclass
class PostgresServer(LocalServer):
    """A PostgreSQL cluster of its own: `start()`, `stop()` (files kept), `close()` (stop + delete)."""

    user: str = "probe"
    password: str = "probe-password"
    database: str = "probe"
    max_connections: int = 20
    superuser_reserved_connections: int = 3
    hba: Sequence[str] = DEFAULT_HBA
    settings: Mapping[str, str | int] = field(default_factory=dict)
    standby: bool = False  # restart as a standby (standby.signal, no primary): in recovery for good
    port: int = 0  # 0: a free port is picked at start
    socket_subdir: str = "sock"  # e.g. "cloudsql/proj:region:inst", the shape Cloud SQL mounts

    root: Path = field(init=False, default=Path())
    bindir: Path = field(init=False, default=Path())
    _running: bool = field(init=False, default=False)

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> Self:
        """Start (creating the cluster on first use); on failure, clean up and raise ServerStartError."""
        if self._running:
            return self
        try:
            self._start()
        except BaseException:
            self.close()  # a failed start must not leave a server or a temp dir behind
            raise
        return self

    def _start(self) -> None:
        if self.root == Path():
            self._prepare()
        self._start_on_free_port()
        track(self)
        if not (self.root / "created").exists():
            self._create_role_and_db()
        if self.standby and not (self.data / "standby.signal").exists():
            self.stop(mode="fast")  # a clean shutdown, so the standby is consistent at once
            (self.data / "standby.signal").touch()
            self._pg_ctl("start", "-w", "-t", "30", "-l", str(self.log_file))
            self._running = True

    def stop(self, mode: str = "fast") -> None:
        """Stop the server and keep its files: its port then refuses connections (`start()` again works)."""
        if self._running:
            self._running = False
            try:
                self._pg_ctl("stop", "-w", "-t", "30", "-m", mode)
            except ServerStartError:
                pass  # already gone: that is what we wanted

    def close(self) -> None:
        """Stop (immediately: nothing here is worth a checkpoint) and delete every file."""
        self.stop(mode="immediate")
        super().close()

    # -- where to connect --------------------------------------------------------------------------

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / self.socket_subdir

    def dsn(
        self, *, user: str | None = None, password: str | None = None, database: str | None = None
    ) -> str:
        """A TCP URL for the created role (or the given one)."""
        who = quote(user or self.user, safe="")
        secret = quote(self.password if password is None else password, safe="")
        return f"postgresql://{who}:{secret}@{LOOPBACK}:{self.port}/{quote(database or self.database)}"

    def socket_dsn(self, *, password: str | None = None) -> str:
        """A URL over the unix socket, in the shape Cloud SQL uses: `postgresql://u:p@/db?host=/dir`."""
        secret = quote(self.password if password is None else password, safe="")
        where = f"host={self.socket_dir}&port={self.port}"
        return f"postgresql://{quote(self.user)}:{secret}@/{quote(self.database)}?{where}"

    # -- talking to it -----------------------------------------------------------------------------

    def connect(
        self, *, user: str | None = None, password: str | None = None, **kw: Any
    ) -> psycopg.Connection:
        """A client connection over TCP, e.g. to hold a slot; the caller closes it."""
        return psycopg.connect(self.dsn(user=user, password=password), autocommit=True, **kw)

    def connect_admin(self) -> psycopg.Connection:
        """The superuser over the unix socket (trusted), which pg_hba rules for tests never affect."""
        return psycopg.connect(
            host=str(self.socket_dir), port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        )

    def sql(
        self, statement: str | sql.SQL | sql.Composed, params: Sequence[Any] = ()
    ) -> list[tuple[Any, ...]]:
        """Run one statement as the superuser and return its rows (empty for commands)."""
        with self.connect_admin() as conn:
            cur = conn.execute(statement, params or None)
            return cur.fetchall() if cur.description else []

    def create_role(self, name: str, password: str) -> None:
        query = sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
            sql.Identifier(name), sql.Literal(password)
        )
        self.sql(query)

    # -- internals ---------------------------------------------------------------------------------

    def _prepare(self) -> None:
        self.bindir = find_bindir()
        template = _Template.get(self.bindir)
        self.root = Path(tempfile.mkdtemp(prefix="infraprobe-pg-"))
        _give_to_server_user(self.root)
        _run(["cp", "-a", str(template), str(self.data)], "copying the template cluster")
        _run(["mkdir", "-p", str(self.socket_dir)], "creating the socket directory")
        self._write_hba()

    def _write_hba(self) -> None:
        # The file exists (copied as the server user), so rewriting it keeps the owner the server expects.
        rules = "\n".join((ADMIN_HBA, *self.hba)) + "\n"
        (self.data / "pg_hba.conf").write_text(rules)

    def _config(self) -> str:
        settings: dict[str, str | int] = {
            **FAST_SETTINGS,
            "port": self.port,
            "unix_socket_directories": f"'{self.socket_dir}'",
            "max_connections": self.max_connections,
            "superuser_reserved_connections": self.superuser_reserved_connections,
            **self.settings,
        }
        return "".join(f"{key} = {value}\n" for key, value in settings.items())

    def _start_on_free_port(self) -> None:
        chosen = self.port
        for _ in range(3):
            self.port = chosen or free_port()
            (self.data / "postgresql.auto.conf").write_text(self._config())
            try:
                self._pg_ctl("start", "-w", "-t", "30", "-l", str(self.log_file))
            except ServerStartError as exc:
                log = self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
                if chosen or "could not bind" not in log:
                    raise ServerStartError(f"{exc}\n{log_tail(log)}") from None
                continue  # another process took the port between our probe and the bind: try another
            self._running = True
            return
        raise ServerStartError("no free port after 3 attempts")

    def _create_role_and_db(self) -> None:
        self.create_role(self.user, self.password)
        self.sql(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(*map(sql.Identifier, (self.database, self.user)))
        )
        (self.root / "created").touch()

    def _pg_ctl(self, *args: str) -> None:
        _run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-s", *args], f"pg_ctl {args[0]}")
