"""Throwaway redis-server processes on a free loopback port, for tests and demos.

    with RedisServer(password="s3cret", maxclients=2) as r:
        print(r.url())             # redis://:s3cret@127.0.0.1:PORT/0
        r.command("SET", "k", "v")

A server starts in about 10 ms with persistence off (`--save ''`, `--appendonly no`); its directory is
its own temp dir, so an explicit `SAVE` followed by `restart()` reloads the data (how the LOADING state
is produced: restart with `key-load-delay`). `tls=True` serves TLS only, with a CA made on the spot.

Why not pytest-redis (evaluated with 5.0.1): its `RedisExecutor` takes a fixed set of settings (port,
password/username, databases, save, appendonly, datadir, modules) and none of `maxclients`, `maxmemory`,
`replicaof`, TLS or extra arguments on restart, which are exactly the faults the probe tests stage
(connection cap, OOM, a replica with its link down, LOADING). What it would add over this module (a
mirakuru process wrapper and port-for's port choice) is the part here that is a few lines
(`_localserver.free_port`, `wait_until`).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Self
from urllib.parse import quote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from infraprobe.probes.wire.resp import Arg, Incomplete, RedisReplyError, Reply, RespParser, encode
from infraprobe.testing._localserver import (
    LOOPBACK,
    LocalServer,
    ServerStartError,
    ServerUnavailable,
    end_process,
    free_port,
    log_tail,
    port_open,
    track,
    wait_until,
)

__all__ = ["RedisServer", "ServerStartError", "ServerUnavailable"]


@dataclass
class RedisServer(LocalServer):
    """A redis-server of its own: `start()`, `stop()` (files kept), `restart()`, `close()` (stop + delete)."""

    password: str | None = None
    maxclients: int | None = None
    maxmemory: str | None = None  # e.g. "1mb"
    maxmemory_policy: str | None = None
    replicaof: tuple[str, int] | None = None
    tls: bool = False
    args: Sequence[str] = ()  # any other redis-server options, e.g. ("--key-load-delay", "100")
    port: int = 0  # 0: a free port is picked at start

    root: Path = field(init=False, default=Path())
    _proc: subprocess.Popen[bytes] | None = field(init=False, default=None)
    _log: IO[bytes] | None = field(init=False, default=None)

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self, *, wait_loaded: bool = True) -> Self:
        """Start and wait until it answers; with `wait_loaded=False`, return while it may still be LOADING."""
        if self._proc is not None:
            return self
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServerUnavailable("redis-server not found on PATH")
        if self.root == Path():
            self.root = Path(tempfile.mkdtemp(prefix="infraprobe-redis-"))
            if self.tls:
                _make_tls_files(self.root)
        try:
            self._start_on_free_port(binary, wait_loaded)
        except BaseException:
            self.close()  # a failed start must not leave a temp dir behind
            raise
        track(self)
        return self

    def stop(self) -> None:
        """Stop the process and keep its directory (an explicit SAVE's dump.rdb survives)."""
        proc, self._proc = self._proc, None
        end_process(proc, timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self, *extra_args: str, wait_loaded: bool = True) -> Self:
        """Stop and start again on the same port, adding `extra_args` for this run only."""
        self.stop()
        saved, self.args = self.args, (*self.args, *extra_args)
        try:
            return self.start(wait_loaded=wait_loaded)
        finally:
            self.args = saved

    # -- where to connect --------------------------------------------------------------------------

    @property
    def ca_file(self) -> Path:
        return self.root / "ca.pem"

    def url(self, *, password: str | None = None, db: int = 0) -> str:
        secret = self.password if password is None else password
        auth = f":{quote(secret, safe='')}@" if secret else ""
        return f"{'rediss' if self.tls else 'redis'}://{auth}{LOOPBACK}:{self.port}/{db}"

    # -- talking to it -----------------------------------------------------------------------------

    def open_socket(self) -> socket.socket:
        """A raw client connection (TLS when the server is), e.g. to hold one of `maxclients`."""
        sock = socket.create_connection((LOOPBACK, self.port), timeout=5)
        if not self.tls:
            return sock
        ctx = ssl.create_default_context(cafile=str(self.ca_file))
        return ctx.wrap_socket(sock, server_hostname=LOOPBACK)

    def command(self, *args: Arg) -> Reply:
        """Run one command (authenticating first when the server has a password); raise error replies."""
        with self.open_socket() as sock:
            return _exchange(sock, self._with_auth(args))

    def held_client(self) -> socket.socket:
        """A client connection the server has accepted (and authenticated), proven by a PING round trip.

        Hold a few to fill `maxclients`; the caller closes them.
        """
        sock = self.open_socket()
        try:
            _exchange(sock, self._with_auth(("PING",)))
        except BaseException:
            sock.close()
            raise
        return sock

    def _with_auth(self, command: tuple[Arg, ...]) -> list[tuple[Arg, ...]]:
        return ([("AUTH", self.password)] if self.password else []) + [command]

    # -- internals ---------------------------------------------------------------------------------

    def _argv(self, binary: str) -> list[str]:
        # setpriv (util-linux) makes the kernel stop the server when this process dies, even by SIGKILL
        # when no atexit handler runs; it execs in place, so the Popen pid is still the server's.
        setpriv = shutil.which("setpriv")
        guard = [setpriv, "--pdeathsig", "TERM", "--"] if setpriv and sys.platform == "linux" else []
        argv = [
            *guard,
            binary,
            "--bind",
            LOOPBACK,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.root),
        ]
        argv += ["--daemonize", "no", "--logfile", "", "--protected-mode", "no"]
        if self.tls:
            argv += ["--port", "0", "--tls-port", str(self.port), "--tls-auth-clients", "no"]
            argv += [
                "--tls-cert-file",
                str(self.root / "server.pem"),
                "--tls-key-file",
                str(self.root / "key.pem"),
            ]
            argv += ["--tls-ca-cert-file", str(self.ca_file)]
        else:
            argv += ["--port", str(self.port)]
        options = {
            "--requirepass": self.password,
            "--maxclients": self.maxclients,
            "--maxmemory": self.maxmemory,
            "--maxmemory-policy": self.maxmemory_policy,
        }
        argv += [str(x) for k, v in options.items() if v is not None for x in (k, v)]
        if self.replicaof is not None:
            argv += ["--replicaof", self.replicaof[0], str(self.replicaof[1])]
        return [*argv, *self.args]

    def _start_on_free_port(self, binary: str, wait_loaded: bool) -> None:
        chosen = self.port
        for _ in range(3):
            self.port = chosen or free_port()
            self._log = self.log_file.open("ab")
            self._proc = subprocess.Popen(self._argv(binary), stdout=self._log, stderr=subprocess.STDOUT)
            ready = wait_until(lambda: self._ready(wait_loaded), timeout=10)
            if ready and self._proc.poll() is None:
                return
            log = self.log_file.read_text(errors="replace")
            self.stop()
            if chosen or "Address already in use" not in log:
                raise ServerStartError(f"redis-server did not start:\n{log_tail(log)}")
        raise ServerStartError("no free port after 3 attempts")

    def _ready(self, wait_loaded: bool) -> bool:
        assert self._proc is not None
        if self._proc.poll() is not None:
            return True  # it exited: stop waiting; the caller sees the exit and reads the log
        if not wait_loaded or self.tls:
            return port_open(self.port)
        try:
            self.command("PING")
        except RedisReplyError as exc:
            return exc.prefix not in ("LOADING",)
        except OSError:
            return False
        return True


def _exchange(sock: socket.socket, commands: list[tuple[Arg, ...]]) -> Reply:
    """Send commands in one write; return the last reply, raising the first error reply."""
    sock.sendall(b"".join(encode(*cmd) for cmd in commands))
    parser = RespParser()
    reply: Reply = None
    for _ in commands:
        reply = _read_reply(sock, parser)
        if isinstance(reply, RedisReplyError):
            raise reply
    return reply


def _read_reply(sock: socket.socket, parser: RespParser) -> Reply:
    while isinstance(reply := parser.next(), Incomplete):
        data = sock.recv(65536)
        if not data:
            raise ConnectionResetError("redis closed the connection")
        parser.feed(data)
    return reply


def _make_tls_files(root: Path) -> None:
    """A throwaway CA and a server certificate for 127.0.0.1 (as an IP SAN), both valid for a day."""
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("infraprobe test CA")
    ca = _certificate(
        ca_name, ca_name, ca_key.public_key(), ca_key, x509.BasicConstraints(ca=True, path_length=None)
    )
    san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(LOOPBACK))])
    leaf = _certificate(_name(LOOPBACK), ca_name, key.public_key(), ca_key, san)
    pem = serialization.Encoding.PEM
    (root / "ca.pem").write_bytes(ca.public_bytes(pem))
    (root / "server.pem").write_bytes(leaf.public_bytes(pem))
    private = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (root / "key.pem").write_bytes(private)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    signing_key: ec.EllipticCurvePrivateKey,
    extension: x509.ExtensionType,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(extension, critical=isinstance(extension, x509.BasicConstraints))
    )
    return builder.sign(signing_key, hashes.SHA256())
