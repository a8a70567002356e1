"""Network phases shared by every probe: resolve, connect, TLS.

`Net` is the I/O seam (lesson from httpx's transports): probes never call the socket layer directly,
so tests and embedders can pass their own resolver or SSL contexts, and nothing here is global.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Address = tuple[int, tuple[str, int] | tuple[str, int, int, int]]  # (family, sockaddr)

# getaddrinfo blocks and cannot be cancelled. A hung resolver would otherwise leave one blocked thread
# behind per timed-out lookup; a small dedicated pool caps the threads, and a lookup that cannot get a
# thread before its deadline simply times out like any other.
MAX_RESOLVER_THREADS = 8

GetAddrInfo = Callable[..., list[tuple[Any, ...]]]


class ResolverBusy(Exception):
    """No resolver thread came free in time: the prober's own pool is saturated, not the target's DNS."""


# How long a lookup waits for a free thread before saying the pool is saturated. Shorter than any
# sensible check timeout, so saturation is reported as the prober's before it could pass for DNS failure.
QUEUE_WAIT = 1.0


class SystemResolver:
    """getaddrinfo on a small dedicated pool, one lookup in flight per name, a bounded wait for a thread.

    One slowly resolving name used to fill all the threads (every check of it took one) and starve every
    other name, which then failed as `dns_failure`. Now concurrent lookups of one name share one thread
    (single flight), a lookup waits at most `queue_wait` for a thread and then raises `ResolverBusy`, and
    a thread is counted busy until getaddrinfo really returns. `getaddrinfo` is injectable so tests can
    run the same path against a stub resolver on loopback.
    """

    def __init__(
        self,
        max_threads: int = MAX_RESOLVER_THREADS,
        *,
        getaddrinfo: GetAddrInfo | None = None,
        queue_wait: float = QUEUE_WAIT,
    ) -> None:
        self.max_threads, self.queue_wait = max_threads, queue_wait
        self._pool = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="infraprobe-dns")
        self._getaddrinfo = getaddrinfo or socket.getaddrinfo
        self._free: asyncio.Semaphore | None = None
        self._flights: dict[tuple[str, int, int], _Flight] = {}

    async def resolve(self, host: str, port: int, family: int = socket.AF_UNSPEC) -> list[Address]:
        literal = _ip_literal(host, port)
        if literal is not None:
            return [literal]
        key = (host, port, family)
        flight = self._flights.get(key)
        if flight is None or flight.task.done():
            flight = self._flights[key] = _Flight(asyncio.ensure_future(self._lookup_on_thread(*key)))
        return await flight.wait()

    async def _lookup_on_thread(self, host: str, port: int, family: int) -> list[Address]:
        if self._free is None:
            self._free = asyncio.Semaphore(self.max_threads)
        free = self._free
        try:
            async with asyncio.timeout(self.queue_wait):
                await free.acquire()
        except TimeoutError:
            raise ResolverBusy(
                f"all {self.max_threads} resolver threads busy with slow lookups for {self.queue_wait:g}s"
            ) from None
        loop = asyncio.get_running_loop()
        job = self._pool.submit(self._lookup, host, port, family)
        # The thread is free again only when getaddrinfo returns, whoever stopped waiting for it.
        job.add_done_callback(lambda _: loop.call_soon_threadsafe(free.release))
        return await asyncio.wrap_future(job)

    def _lookup(self, host: str, port: int, family: int) -> list[Address]:
        infos = self._getaddrinfo(host, port, family, socket.SOCK_STREAM)
        seen: list[Address] = []
        for fam, _, _, _, sockaddr in infos:
            entry: Address = (int(fam), sockaddr)
            if entry not in seen:
                seen.append(entry)
        return seen

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class _Flight:
    """One lookup and the checks waiting for it; when the last of them gives up, the lookup is cancelled
    (one still waiting for a thread never runs; one already on a thread finishes there)."""

    def __init__(self, task: asyncio.Future[list[Address]]) -> None:
        self.task, self.waiters = task, 0
        task.add_done_callback(lambda t: t.cancelled() or t.exception())  # retrieved: no warning if unused

    async def wait(self) -> list[Address]:
        self.waiters += 1
        try:
            return await asyncio.shield(self.task)
        finally:
            self.waiters -= 1
            if not self.waiters and not self.task.done():
                self.task.cancel()


@functools.lru_cache(maxsize=1024)  # parsing with ipaddress costs more than the rest of resolve()
@functools.lru_cache(maxsize=1024)  # a check's host is a config constant: parse it once, not every probe
def _ip_literal(host: str, port: int) -> Address | None:
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    if ip.version == 6:
        return (socket.AF_INET6, (str(ip), port, 0, 0))
    return (socket.AF_INET, (str(ip), port))


@dataclass(frozen=True, slots=True)
class TlsOptions:
    verify: bool = True
    ca_file: str | None = None
    client_cert: str | None = None
    client_key: str | None = None


class SslContexts:
    """Builds each distinct SSL context once: a fresh context loads the CA bundle (about 14 ms of CPU)."""

    def __init__(self) -> None:
        self._cache: dict[TlsOptions, ssl.SSLContext] = {}

    def prepare(self, options: TlsOptions) -> None:
        """Build ahead of time; a bad option (missing CA file) is left for the check itself to report."""
        try:
            self.get(options)
        except (OSError, ssl.SSLError):
            pass

    def get(self, options: TlsOptions) -> ssl.SSLContext:
        ctx = self._cache.get(options)
        if ctx is None:
            ctx = self._build(options)
            self._cache[options] = ctx
        return ctx

    @staticmethod
    def _build(options: TlsOptions) -> ssl.SSLContext:
        if options.ca_file is not None and not Path(options.ca_file).is_file():
            # Raised as FileNotFoundError so the classifier reports resource_missing, not a TLS failure.
            raise FileNotFoundError(2, "CA file does not exist", options.ca_file)
        ctx = _context(options.ca_file)
        if not options.verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if options.client_cert:
            ctx.load_cert_chain(options.client_cert, options.client_key)
        return ctx


# The distributions' bundles, for a Python whose own OpenSSL looks elsewhere (pyenv, python.org builds):
# the same list truststore uses on Linux.
OS_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Alpine
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/ca-bundle.pem",  # openSUSE
    "/etc/ssl/cert.pem",
)


def _context(ca_file: str | None) -> ssl.SSLContext:
    """A given CA file replaces the system store; otherwise the OS trust store decides, as it does for the
    application being diagnosed, not a bundle that shipped with Python or a wheel.

    On macOS and Windows that is truststore (the platform verifier). On Linux truststore re-reads the CA
    bundle on every handshake (about 14 ms of CPU each, measured), so the distribution's bundle is loaded
    once into the cached context instead, which is what truststore verifies against there."""
    if ca_file is not None:
        return ssl.create_default_context(cafile=ca_file)
    if sys.platform in ("darwin", "win32"):
        import truststore  # only where it is used; ~24 ms to import

        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx = ssl.create_default_context()
    if not ctx.cert_store_stats()["x509_ca"]:
        bundle = next((path for path in OS_BUNDLES if Path(path).is_file()), None)
        if bundle is not None:
            ctx.load_verify_locations(cafile=bundle)
    return ctx


class Net:
    """Resolver and TLS contexts for a batch of checks. Create one per run (or per app) and share it."""

    def __init__(
        self,
        resolver: SystemResolver | None = None,
        ssl_contexts: SslContexts | None = None,
    ) -> None:
        self.resolver = resolver or SystemResolver()
        self.ssl = ssl_contexts or SslContexts()

    async def connect(
        self, addresses: list[Address], *, limit: int = 2**20
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Connect to the first address that accepts; re-raise the first address's error otherwise."""
        first_error: OSError | None = None
        for family, sockaddr in addresses:
            try:
                return await asyncio.open_connection(sockaddr[0], sockaddr[1], family=family, limit=limit)
            except OSError as exc:
                first_error = first_error or exc
        assert first_error is not None, "connect() needs at least one address"
        raise first_error

    async def connect_socket(self, addresses: list[Address]) -> tuple[socket.socket, Address]:
        """`connect`, but a bare non-blocking socket and the address that accepted, with no transport:
        streams cost about as much CPU as the connect itself, and a tcp check needs none."""
        loop = asyncio.get_running_loop()
        first_error: OSError | None = None
        for family, sockaddr in addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.setblocking(False)
                await _connect(loop, sock, sockaddr)
                return sock, (family, sockaddr)
            except OSError as exc:
                sock.close()
                first_error = first_error or exc
            except BaseException:  # cancelled by the deadline: the socket must not outlive the check
                sock.close()
                raise
        assert first_error is not None, "connect_socket() needs at least one address"
        raise first_error

    def close(self) -> None:
        self.resolver.close()


async def _connect(loop: asyncio.AbstractEventLoop, sock: socket.socket, address: tuple[Any, ...]) -> None:
    """loop.sock_connect for an address that is already an IP, without what it does first on every call
    (resolving the address again through the socket's family, type and proto properties, each an enum
    conversion): that cost as much CPU as the rest of the connect. The errors are sock_connect's, word for
    word: the connect call's own at once, `Connect call failed (address)` after waiting."""
    try:
        sock.connect(address)
        return
    except (BlockingIOError, InterruptedError):
        pass  # in progress: the socket turns writable when it is done, either way
    waiter = loop.create_future()
    fd = sock.fileno()
    loop.add_writer(fd, _wake, waiter)
    try:
        await waiter
    finally:
        loop.remove_writer(fd)
    error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if error:
        raise OSError(error, f"Connect call failed {address}")


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():  # cancelled by the deadline meanwhile
        waiter.set_result(None)


async def start_tls(
    writer: asyncio.StreamWriter, ctx: ssl.SSLContext, server_hostname: str | None
) -> ssl.SSLObject:
    await writer.start_tls(ctx, server_hostname=server_hostname)
    sslobj = writer.get_extra_info("ssl_object")
    assert isinstance(sslobj, ssl.SSLObject)
    return sslobj


async def close_quietly(writer: asyncio.StreamWriter) -> None:
    """Close without waiting on a peer that may never acknowledge; a probe must not hang on teardown."""
    writer.close()
    try:
        async with asyncio.timeout(0.5):  # not wait_for: in 3.11 it wraps the wait in a task of its own
            await writer.wait_closed()
    except (OSError, TimeoutError, ssl.SSLError):
        # A TLS peer that never answers close_notify would keep the socket open for ssl_shutdown_timeout
        # (30 s); drop it now instead.
        writer.transport.abort()
