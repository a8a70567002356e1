"""The dns -> connect -> tls phases as the tcp, tls, http and websocket probes share them.

Each phase is timed on the run; certificate facts are recorded even when verification fails (a second,
unverified handshake fetches the chain), because "expired 3 days ago" is the explanation a person needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import socket
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from infraprobe import facts
from infraprobe.net import Address, TlsOptions, close_quietly, start_tls
from infraprobe.phases import Phase
from infraprobe.probes._certinfo import CertInfo, cert_facts, chain_info, mismatch_layer, peer_chain
from infraprobe.probes.base import ProbeRun
from infraprobe.probes.models.tls import TlsClient
from infraprobe.taxonomy import Cause

# OpenSSL's X509_V_ERR_HOSTNAME_MISMATCH and X509_V_ERR_IP_ADDRESS_MISMATCH.
_NAME_MISMATCH_CODES = {62, 64}
# The unverified re-handshake only gathers facts; it must not eat the check's whole budget.
CERT_FETCH_TIMEOUT = 2.0


# What open_connection would give a reader by default is 64 KiB; a long header line must not fail a probe.
STREAM_LIMIT = 2**20


@dataclass(slots=True)
class Conn:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    peer: Address
    chain: list[CertInfo] = field(default_factory=list)  # the peer's certificates, leaf first (TLS only)


@dataclass(frozen=True, slots=True)
class Handshake:
    """What the tls phase needs: the cached context, the name to send and verify, the options behind both."""

    ctx: ssl.SSLContext
    name: str
    client: TlsClient


async def open_socket(run: ProbeRun, host: str, port: int) -> tuple[socket.socket, Address]:
    """dns and connect phases; records the resolved addresses and the peer actually connected to."""
    with run.phase(Phase.DNS):
        addresses = await run.net.resolver.resolve(host, port)
    run.fact(facts.ADDRESSES, [a[1][0] for a in addresses])
    with run.phase(Phase.CONNECT):
        sock, peer = await run.net.connect_socket(addresses)
    run.fact(facts.PEER, peer_text(peer[1][0], peer[1][1]))
    return sock, peer


@functools.lru_cache(maxsize=1024)  # the peer of a check is the same address probe after probe
def peer_text(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


async def open_conn(run: ProbeRun, host: str, port: int, tls: Handshake | None = None) -> Conn:
    """dns, connect and (with `tls`) tls phases, then streams over the connection."""
    sock, peer = await open_socket(run, host, port)
    try:
        if tls is not None:
            return await _handshake(run, sock, peer, tls)
        reader, writer = await asyncio.open_connection(sock=sock, limit=STREAM_LIMIT)
        return Conn(reader, writer, peer)
    except BaseException:
        sock.close()  # a no-op when a transport already closed it
        raise


@contextlib.asynccontextmanager
async def connection(
    run: ProbeRun, host: str, port: int, tls: Handshake | None = None
) -> AsyncIterator[Conn]:
    """open_conn, and always close: politely after success, at once after a failure or a timeout."""
    conn = await open_conn(run, host, port, tls)
    try:
        yield conn
    except BaseException:
        # A failed exchange owes the peer no goodbye, and waiting for one could outlive the deadline.
        conn.writer.transport.abort()
        raise
    await close_quietly(conn.writer)


def handshake(run: ProbeRun, tls: TlsClient, name: str) -> Handshake:
    """The cached context; built before any network phase so a missing CA file fails without traffic."""
    return Handshake(run.net.ssl.get(tls.options()), tls.server_name or name, tls)


async def _handshake(run: ProbeRun, sock: socket.socket, peer: Address, tls: Handshake) -> Conn:
    """tls phase: streams built over TLS at once (cheaper than start_tls on plain streams, which swaps the
    transport); records protocol and certificate facts, pass or fail."""
    try:
        with run.phase(Phase.TLS):
            reader, writer = await asyncio.open_connection(
                sock=sock, ssl=tls.ctx, server_hostname=tls.name, limit=STREAM_LIMIT
            )
    except ssl.SSLCertVerificationError as exc:
        await _explain_verify_failure(run, peer, tls.name, exc)
        raise
    try:
        sslobj = writer.get_extra_info("ssl_object")
        assert isinstance(sslobj, ssl.SSLObject)
        chain = _record_session(run, sslobj, tls.client.verify)
    except BaseException:
        writer.transport.abort()
        raise
    return Conn(reader, writer, peer, chain)


def _record_session(run: ProbeRun, sslobj: ssl.SSLObject, verified: bool) -> list[CertInfo]:
    run.fact(facts.TLS_VERSION, sslobj.version())
    cipher = sslobj.cipher()
    run.fact(facts.CIPHER, cipher[0] if cipher else None)
    run.fact(facts.VERIFIED, verified)
    chain = chain_info(peer_chain(sslobj, verified=verified))
    record_chain(run, chain)
    return chain


def record_chain(run: ProbeRun, chain: list[CertInfo]) -> None:
    run.record(cert_facts(chain, dt.datetime.now(dt.UTC)))


async def _explain_verify_failure(
    run: ProbeRun, peer: Address, name: str, exc: ssl.SSLCertVerificationError
) -> None:
    """Record what the server presented; report a name mismatch with the layer that owns it."""
    run.fact(facts.VERIFIED, False)
    run.fact(facts.VERIFY_ERROR, exc.verify_message)
    chain = await fetch_unverified_chain(run, peer, name)
    record_chain(run, chain)
    if exc.verify_code in _NAME_MISMATCH_CODES:
        leaf = chain[0] if chain else None
        names = ", ".join(leaf.sans) if leaf else "unknown names"
        run.fail(
            Cause.TLS_HOSTNAME_MISMATCH,
            f"certificate covers [{names}], not {name!r} ({exc.verify_message})",
            layer=mismatch_layer(name, leaf),
            rule="tls_name_coverage",
        )


@contextlib.asynccontextmanager
async def unverified_tls(run: ProbeRun, peer: Address, name: str) -> AsyncIterator[ssl.SSLObject]:
    """A second connection to `peer`, handshaken without verification, within CERT_FETCH_TIMEOUT."""
    ctx = run.net.ssl.get(TlsOptions(verify=False))
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(CERT_FETCH_TIMEOUT):
            _, writer = await run.net.connect([peer])
            yield await start_tls(writer, ctx, name)
    finally:
        if writer is not None:
            writer.transport.abort()


async def fetch_unverified_chain(run: ProbeRun, peer: Address, name: str) -> list[CertInfo]:
    """Handshake again without verification, only to read the chain; failures just mean fewer facts."""
    try:
        async with unverified_tls(run, peer, name) as sslobj:
            return chain_info(peer_chain(sslobj, verified=False))
    except (OSError, TimeoutError, ValueError) as exc:  # ssl.SSLError is an OSError
        run.fact(facts.CERT_FETCH_ERROR, f"{type(exc).__name__}: {exc}")
        return []


async def speaks_tls(run: ProbeRun, peer: Address, name: str) -> bool:
    """Whether `peer` completes a TLS handshake. Asked only after a clear-text request was closed unanswered:
    OpenSSL-based servers close on plain HTTP without a byte (no alert), so the bytes cannot tell."""
    try:
        async with unverified_tls(run, peer, name):
            return True
    except (OSError, TimeoutError, ValueError):
        return False
